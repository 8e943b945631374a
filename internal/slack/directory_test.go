package slack_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/slack"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
)

// The directory lists the people of a channel (no bots, no deactivated
// accounts, not the bot itself) with their zones, and asks Slack for a
// channel's members once per MembersTTL.
func TestDirectoryMembers(t *testing.T) {
	fake := fakeslack.New()
	t.Cleanup(fake.Close)
	fake.SetUser("U1", fakeslack.UserInfo{TZ: "Europe/Paris"})
	fake.SetUser("U2", fakeslack.UserInfo{TZ: "Asia/Tokyo"})
	fake.SetUser("U3", fakeslack.UserInfo{IsBot: true})
	fake.SetUser("U4", fakeslack.UserInfo{Deleted: true})
	fake.SetMembers("C1", "U1", "U2", "U3", "U4", fakeslack.BotUserID)
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	d := &slack.Directory{API: goslack.New("xoxb-test", goslack.OptionAPIURL(fake.APIURL())), BotUser: fakeslack.BotUserID,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	want := []engine.Member{{ID: "U1", TZ: "Europe/Paris"}, {ID: "U2", TZ: "Asia/Tokyo"}}
	for range 3 {
		got, err := d.Members(t.Context(), "C1")
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("Members(C1) = %v, %v; want %v", got, err, want)
		}
	}
	if n := len(fake.Calls("conversations.members")); n != 1 {
		t.Errorf("%d conversations.members calls for three lookups within the TTL, want 1", n)
	}
	if n := len(fake.Calls("users.info")); n != 4 {
		t.Errorf("%d users.info calls, want one per member but the bot (4)", n)
	}
	fake.SetMembers("C1", "U1")
	mu.Lock()
	now = now.Add(5 * time.Minute)
	mu.Unlock()
	got, err := d.Members(t.Context(), "C1")
	if err != nil || !slices.Equal(got, want[:1]) {
		t.Errorf("Members(C1) after the TTL = %v, %v; want U1 alone", got, err)
	}
	if n := len(fake.Calls("conversations.members")); n != 2 {
		t.Errorf("%d conversations.members calls after the TTL, want 2", n)
	}
}
