package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Timeouts of the connection to Redis. Commands are also bounded by their
// callers' deadlines (ContextTimeoutEnabled); these bound what has none.
const (
	dialTimeout = 2 * time.Second
	ioTimeout   = 2 * time.Second
	// probeTimeout bounds the start-up check of what the addresses are, so
	// a wrong set-up is refused within 10 s.
	probeTimeout = 8 * time.Second
	// clusterReload is how stale a Cluster client's view of the topology
	// may grow; a command error reloads it at once. go-redis' default of
	// 60 s kept a bot dialling a dead master long after its replica took
	// over.
	clusterReload = 2 * time.Second
)

// Mode is what the configured addresses turned out to be.
type Mode string

// Modes.
const (
	ModeSingle   Mode = "single"
	ModeCluster  Mode = "cluster"
	ModeSentinel Mode = "sentinel"
)

// SetupError is a configuration that does not match the Redis it points
// at. Its message names the variable, the address, what was found and what
// to set instead, and never holds a password.
type SetupError struct {
	Variable string
	Msg      string
}

func (e *SetupError) Error() string { return e.Variable + ": " + e.Msg }

func setupErr(variable, format string, args ...any) error {
	return &SetupError{Variable: variable, Msg: fmt.Sprintf(format, args...)}
}

// tlsConfig is the TLS set-up for every connection, or nil.
func (o Options) tlsConfig() *tls.Config {
	if !o.TLS {
		return nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

// nodeOptions are the options of a plain client to one address.
func (o Options) nodeOptions(addr string) *goredis.Options {
	return &goredis.Options{
		Addr: addr, Username: o.Username, Password: o.Password, TLSConfig: o.tlsConfig(),
		DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
		ContextTimeoutEnabled: true,
	}
}

// variable names the setting an address came from, for messages.
func (o Options) variable() string {
	if o.URL != "" {
		return "REDIS_URL"
	}
	return "REDIS_ADDRS"
}

// connect checks what the configured addresses are (INFO, and the
// Sentinels' masters) against the options, and returns a client of the
// right kind, or an error that says what to set instead.
func connect(ctx context.Context, o Options) (goredis.UniversalClient, Mode, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if o.URL != "" {
		opt, err := parseURL(o.URL)
		if err != nil {
			return nil, "", err
		}
		if opt.Password == "" {
			opt.Username, opt.Password = o.Username, o.Password
		}
		if o.TLS && opt.TLSConfig == nil {
			opt.TLSConfig = o.tlsConfig()
		}
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = dialTimeout, ioTimeout, ioTimeout
		opt.ContextTimeoutEnabled = true
		c := goredis.NewClient(opt)
		found, err := probe(ctx, c, opt.Addr)
		if err != nil {
			c.Close()
			return nil, "", problem(o.variable(), opt.Addr, err)
		}
		switch found.mode {
		case ModeCluster:
			c.Close()
			return nil, "", setupErr("REDIS_URL", "%s is a Redis Cluster node; list the Cluster's nodes in REDIS_ADDRS (host:port,host:port,…) and unset REDIS_URL", opt.Addr)
		case ModeSentinel:
			c.Close()
			return nil, "", setupErr("REDIS_URL", "%s is a Sentinel, not a Redis server; set REDIS_ADDRS to the Sentinels and REDIS_MASTER_NAME to the master they watch (%s), and unset REDIS_URL", opt.Addr, found.knows())
		}
		return c, ModeSingle, nil
	}

	found, addr, err := probeAny(ctx, o)
	if err != nil {
		return nil, "", err
	}
	switch found.mode {
	case ModeSentinel:
		if o.MasterName == "" {
			return nil, "", setupErr("REDIS_MASTER_NAME", "required: REDIS_ADDRS lists Sentinels (%s); set it to the master they watch (%s)", addr, found.knows())
		}
		if len(found.masters) > 0 && !slices.Contains(found.masters, o.MasterName) {
			return nil, "", setupErr("REDIS_MASTER_NAME", "the Sentinel at %s watches no master named %q (%s)", addr, o.MasterName, found.knows())
		}
		c := goredis.NewFailoverClient(&goredis.FailoverOptions{
			MasterName: o.MasterName, SentinelAddrs: o.Addrs,
			SentinelPassword: found.sentinelPassword,
			Username:         o.Username, Password: o.Password, TLSConfig: o.tlsConfig(),
			DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
			ContextTimeoutEnabled: true,
		})
		if err := c.Ping(ctx).Err(); err != nil {
			c.Close()
			if isAuthError(err) {
				return nil, "", setupErr("REDIS_PASSWORD", "the master the Sentinels name for %q requires a password, or refused this one: set REDIS_PASSWORD (and REDIS_USERNAME for an ACL user)", o.MasterName)
			}
			return nil, "", setupErr("REDIS_MASTER_NAME", "the Sentinels name a master for %q, but it does not answer: %v", o.MasterName, clean(err))
		}
		return c, ModeSentinel, nil
	case ModeCluster:
		if o.MasterName != "" {
			return nil, "", setupErr("REDIS_MASTER_NAME", "set, but REDIS_ADDRS lists Redis Cluster nodes (%s), not Sentinels; unset it", addr)
		}
		c := goredis.NewClusterClient(&goredis.ClusterOptions{
			Addrs: o.Addrs, Username: o.Username, Password: o.Password, TLSConfig: o.tlsConfig(),
			DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
			ContextTimeoutEnabled:      true,
			ClusterStateReloadInterval: clusterReload,
		})
		c.AddHook(reloadOnFailure{c})
		if err := c.ForEachMaster(ctx, func(ctx context.Context, n *goredis.Client) error { return n.Ping(ctx).Err() }); err != nil {
			c.Close()
			return nil, "", setupErr("REDIS_ADDRS", "the Redis Cluster at %s does not answer on every master: %v", addr, clean(err))
		}
		return c, ModeCluster, nil
	}
	if o.MasterName != "" {
		return nil, "", setupErr("REDIS_MASTER_NAME", "set, but %s is a Redis server, not a Sentinel; point REDIS_ADDRS at the Sentinels, or unset REDIS_MASTER_NAME", addr)
	}
	if len(o.Addrs) > 1 {
		return nil, "", setupErr("REDIS_ADDRS", "lists %d addresses, but %s is a standalone Redis server, not a Cluster node; for one server set REDIS_URL=redis://%s", len(o.Addrs), addr, addr)
	}
	return goredis.NewClient(o.nodeOptions(addr)), ModeSingle, nil
}

// found is what one address turned out to be.
type found struct {
	mode    Mode
	masters []string // the masters a Sentinel watches
	// sentinelPassword is the password a Sentinel took (REDIS_PASSWORD or
	// REDIS_SENTINEL_PASSWORD), for the client to use with them all.
	sentinelPassword string
}

func (f found) knows() string {
	if len(f.masters) == 0 {
		return "it watches none yet"
	}
	return "it watches: " + strings.Join(f.masters, ", ")
}

// probe asks one server what it is.
func probe(ctx context.Context, c *goredis.Client, addr string) (found, error) {
	info, err := c.Info(ctx, "server", "cluster").Result()
	if err != nil {
		return found{}, err
	}
	f := found{mode: ModeSingle}
	switch {
	case infoField(info, "redis_mode") == "sentinel":
		f.mode = ModeSentinel
		masters, err := c.Do(ctx, "SENTINEL", "MASTERS").Slice()
		if err != nil {
			return found{}, fmt.Errorf("SENTINEL MASTERS: %w", err)
		}
		for _, m := range masters {
			if name := sentinelField(m, "name"); name != "" {
				f.masters = append(f.masters, name)
			}
		}
	case infoField(info, "cluster_enabled") == "1" || infoField(info, "redis_mode") == "cluster":
		f.mode = ModeCluster
	}
	return f, nil
}

// probeAny probes every address at once and returns the first answer; when
// none answers it reports every address's failure.
func probeAny(ctx context.Context, o Options) (found, string, error) {
	type answer struct {
		addr string
		f    found
		err  error
	}
	answers := make(chan answer, len(o.Addrs))
	var wg sync.WaitGroup
	for _, addr := range o.Addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opt := o.nodeOptions(addr)
			if o.MasterName != "" && o.SentinelPassword != "" {
				// Sentinels, with a password of their own.
				opt.Username, opt.Password = "", o.SentinelPassword
			}
			c := goredis.NewClient(opt)
			defer c.Close()
			f, err := probe(ctx, c, addr)
			f.sentinelPassword = opt.Password
			answers <- answer{addr, f, err}
		}()
	}
	go func() { wg.Wait(); close(answers) }()
	var errs []error
	for a := range answers {
		if a.err == nil {
			return a.f, a.addr, nil
		}
		if o.MasterName != "" && isAuthError(a.err) {
			errs = append(errs, setupErr("REDIS_SENTINEL_PASSWORD", "the Sentinel at %s requires a password: set REDIS_SENTINEL_PASSWORD (or REDIS_PASSWORD, when it is the same)", a.addr))
			continue
		}
		errs = append(errs, problem("REDIS_ADDRS", a.addr, a.err))
	}
	return found{}, "", errors.Join(errs...)
}

// problem explains why addr could not be used, naming the variable to fix.
func problem(variable, addr string, err error) error {
	msg := clean(err)
	switch {
	case strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
		return setupErr("REDIS_PASSWORD", "%s refused the credentials (REDIS_USERNAME, REDIS_PASSWORD): %s", addr, msg)
	case strings.Contains(msg, "NOAUTH"), strings.Contains(msg, "Authentication required"):
		return setupErr("REDIS_PASSWORD", "%s requires a password: set REDIS_PASSWORD (and REDIS_USERNAME for an ACL user)", addr)
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(msg, "i/o timeout"):
		return setupErr(variable, "no answer from %s within %s: is it the right address, and reachable from here?", addr, dialTimeout)
	case strings.Contains(msg, "connection refused"):
		return setupErr(variable, "nothing listens on %s (connection refused)", addr)
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "first record does not look like a TLS handshake"):
		return setupErr("REDIS_TLS", "TLS with %s failed: %s", addr, msg)
	}
	return setupErr(variable, "%s: %s", addr, msg)
}

func isAuthError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "NOAUTH") || strings.Contains(msg, "WRONGPASS") || strings.Contains(msg, "invalid password")
}

// clean is an error's text without anything a URL could hold.
func clean(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var nerr *net.OpError
	if errors.As(err, &nerr) && nerr.Err != nil {
		return nerr.Op + " " + nerr.Err.Error()
	}
	return err.Error()
}

// parseURL reads REDIS_URL without ever repeating it in an error: a
// url.Error quotes the URL, password included.
func parseURL(raw string) (*goredis.Options, error) {
	opt, err := goredis.ParseURL(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, setupErr("REDIS_URL", "not a redis:// or rediss:// URL: %v", err)
	}
	return opt, nil
}

// infoField reads one "name:value" line of INFO.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// sentinelField reads one field of a SENTINEL MASTERS entry, which RESP2
// gives as a flat list and RESP3 as a map.
func sentinelField(entry any, name string) string {
	switch e := entry.(type) {
	case []any:
		for i := 0; i+1 < len(e); i += 2 {
			if k, _ := e[i].(string); k == name {
				v, _ := e[i+1].(string)
				return v
			}
		}
	case map[any]any:
		v, _ := e[name].(string)
		return v
	case map[string]any:
		v, _ := e[name].(string)
		return v
	}
	return ""
}

// reloadOnFailure makes a Cluster client reload its topology as soon as a
// command fails for any reason but a reply from Redis: a master that died
// is replaced by its replica within seconds, and the client should learn
// it from the first failure, not from its next periodic reload.
type reloadOnFailure struct{ c *goredis.ClusterClient }

func (h reloadOnFailure) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h reloadOnFailure) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.after(err)
		return err
	}
}

func (h reloadOnFailure) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		h.after(err)
		return err
	}
}

func (h reloadOnFailure) after(err error) {
	if err == nil || errors.Is(err, goredis.Nil) {
		return
	}
	var rerr goredis.Error
	if errors.As(err, &rerr) && !strings.HasPrefix(rerr.Error(), "CLUSTERDOWN") && !strings.HasPrefix(rerr.Error(), "MOVED") {
		return // Redis answered: the topology is not in question
	}
	h.c.ReloadState(context.Background())
}

// slogger hands go-redis' own log lines (a failover seen, a dial that
// failed) to slog, as warnings, so they reach the bot's structured log
// rather than stderr in another format.
type slogger struct{ log *slog.Logger }

func (l slogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...))
}

// SetLogger sends go-redis' log lines to log. go-redis has one logger per
// process, so the last call wins.
func SetLogger(log *slog.Logger) {
	if log != nil {
		goredis.SetLogger(slogger{log})
	}
}
