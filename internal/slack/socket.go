package slack

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// SocketWorkers bounds how many Socket Mode envelopes are handled at once.
// One connection delivers every request in turn; handled one at a time, a
// slow one (a store under failover) would push the acknowledgements of all
// those behind it past Slack's 3 seconds.
const SocketWorkers = 32

// socketAckFlush is how long the connection stays open at shutdown once the
// last envelope is handled, for its acknowledgement to be written.
const socketAckFlush = 500 * time.Millisecond

// RunSocket serves Slack over Socket Mode until ctx ends: the same handling
// as HTTP, acknowledged over the websocket. Events are acknowledged only
// once their input is stored, so Slack redelivers what was not. Envelopes
// are taken in order of arrival and handled concurrently, at most
// SocketWorkers at a time, each acknowledged as soon as it is handled.
//
// When ctx ends no new envelope is taken, but the connection stays open
// until those in hand are handled and acknowledged; RunSocket returns after
// that, so the store can close.
func (b *Bot) RunSocket(ctx context.Context, client *socketmode.Client) error {
	loopCtx, stop := context.WithCancel(ctx)
	defer stop()
	// Envelopes in hand finish under their own deadlines, as HTTP requests
	// do during a graceful shutdown, and the connection outlives them.
	handleCtx := context.WithoutCancel(ctx)
	connCtx, closeConn := context.WithCancel(handleCtx)
	defer closeConn()
	done, connDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var inFlight sync.WaitGroup
		defer func() {
			inFlight.Wait()
			// slack-go queues an ack for its writer: leave the writer a
			// moment to send the last ones before the connection closes.
			select {
			case <-time.After(socketAckFlush):
			case <-connDone:
			}
			closeConn()
		}()
		slots := make(chan struct{}, SocketWorkers)
		for {
			select {
			case <-loopCtx.Done():
				return
			case evt, ok := <-client.Events:
				if !ok {
					return
				}
				select {
				case slots <- struct{}{}:
				case <-loopCtx.Done():
					return
				}
				inFlight.Add(1)
				go func() {
					defer inFlight.Done()
					defer func() { <-slots }()
					defer b.recover(handleCtx, "socket "+string(evt.Type))
					b.socketEvent(handleCtx, client, evt)
				}()
			}
		}
	}()
	err := client.RunContext(connCtx)
	close(connDone)
	stop()
	<-done
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (b *Bot) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	req := evt.Request
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		var env envelope
		if err := json.Unmarshal(req.Payload, &env); err != nil {
			b.observe("socket_events", "bad_request")
			_ = client.Ack(*req)
			return
		}
		out, err := b.onEvent(ctx, env)
		b.observe("socket_events", out)
		if err != nil {
			// No ack: Slack redelivers, and the write is idempotent.
			b.log.ErrorContext(ctx, "event not applied", "event_id", env.EventID, "err", err)
			return
		}
		_ = client.Ack(*req)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(goslack.SlashCommand)
		_ = client.Ack(*req)
		if ok {
			b.observe("socket_commands", b.onCommand(cmd))
		}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(goslack.InteractionCallback)
		if !ok {
			_ = client.Ack(*req)
			return
		}
		resp, err := b.onInteraction(ctx, cb)
		if err != nil {
			b.observe("socket_interactions", outError)
			b.log.ErrorContext(ctx, "interaction failed", "type", cb.Type, "err", err)
			return
		}
		b.observe("socket_interactions", outAccepted)
		if resp != nil {
			_ = client.Ack(*req, resp)
			return
		}
		_ = client.Ack(*req)
	case socketmode.EventTypeErrorBadMessage:
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var r struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &r) == nil && r.EnvelopeID != "" {
				b.observe("socket_events", outIgnored)
				_ = client.AckCtx(ctx, r.EnvelopeID, nil)
			}
		}
	case socketmode.EventTypeConnected:
		b.log.InfoContext(ctx, "socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		b.log.ErrorContext(ctx, "socket mode", "event", string(evt.Type), "err", evt.Data)
	}
}
