package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RedisServer is a redis-server the bench starts for itself, on a free
// loopback port with its own directory, so it can be reset, counted, killed
// and restarted without touching the shared server on 6379 that other test
// runs use. AOF is on with fsync every second, as a deployment should run.
type RedisServer struct {
	Port int
	Dir  string
	Bin  string
	n    int // starts, to name log files
	proc *Proc
	// stats is one connection reserved for INFO and CONFIG RESETSTAT, so the
	// bench's own connects (HELLO, CLIENT SETINFO) stay out of the counts.
	stats *goredis.Client
}

// StartRedis starts a redis-server in dir.
func StartRedis(ctx context.Context, dir string) (*RedisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found (apt-get install redis-server): %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	r := &RedisServer{Port: port, Dir: dir, Bin: bin}
	if err := r.start(ctx); err != nil {
		return nil, err
	}
	r.stats = goredis.NewClient(&goredis.Options{Addr: r.Addr(), PoolSize: 1, MaxRetries: -1})
	return r, nil
}

// Addr is host:port.
func (r *RedisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.Port) }

// URL is the REDIS_URL for the bot.
func (r *RedisServer) URL() string { return "redis://" + r.Addr() + "/0" }

// Pid is the server's process id.
func (r *RedisServer) Pid() int { return r.proc.Pid() }

func (r *RedisServer) start(ctx context.Context) error {
	r.n++
	argv := []string{r.Bin, "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--appendonly", "yes", "--appendfsync", "everysec", "--dir", r.Dir, "--save", "",
		"--daemonize", "no", "--protected-mode", "yes"}
	p, err := StartProc("redis-server", argv, nil, filepath.Join(r.Dir, fmt.Sprintf("redis-%d.log", r.n)))
	if err != nil {
		return err
	}
	r.proc = p
	return r.waitReady(ctx, 30*time.Second)
}

// waitReady polls PING until the server answers (after a restart it
// answers LOADING while it replays the AOF).
func (r *RedisServer) waitReady(ctx context.Context, timeout time.Duration) error {
	c := goredis.NewClient(&goredis.Options{Addr: r.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(timeout)
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		if r.proc.Exited() {
			return fmt.Errorf("redis-server exited: %s", r.proc.LogTail(2000))
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("redis-server on %s did not answer: %w", r.Addr(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill9 kills the server without warning; with AOF on, every write it
// acknowledged was already handed to the kernel.
func (r *RedisServer) Kill9() { r.proc.Kill() }

// Terminate stops the server cleanly (SIGTERM: flush the AOF, exit).
func (r *RedisServer) Terminate() error { return r.proc.Stop(20 * time.Second) }

// Pause freezes the server (SIGSTOP): connections stay open and requests
// hang, as with a server that stalls or a network that drops packets.
func (r *RedisServer) Pause() error { return r.proc.Signal(syscall.SIGSTOP) }

// Resume undoes Pause.
func (r *RedisServer) Resume() error { return r.proc.Signal(syscall.SIGCONT) }

// Restart starts the server again on the same port and directory, so it
// replays its AOF; the server must have been stopped.
func (r *RedisServer) Restart(ctx context.Context) error {
	if !r.proc.Exited() {
		return errors.New("redis-server is still running")
	}
	return r.start(ctx)
}

// Close stops the server.
func (r *RedisServer) Close() {
	if r.stats != nil {
		r.stats.Close()
	}
	if r.proc != nil && !r.proc.Exited() {
		_ = r.proc.Signal(syscall.SIGCONT)
		_ = r.Terminate()
	}
}

// ResetStats zeroes INFO commandstats.
func (r *RedisServer) ResetStats(ctx context.Context) error {
	return r.stats.ConfigResetStat(ctx).Err()
}

// CommandCalls returns calls per command since the last ResetStats, without
// the bench's own INFO and CONFIG.
func (r *RedisServer) CommandCalls(ctx context.Context) (map[string]int64, int64, error) {
	s, err := r.stats.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, 0, err
	}
	calls, total := parseCommandStats(s)
	return calls, total, nil
}

func parseCommandStats(info string) (map[string]int64, int64) {
	calls := map[string]int64{}
	var total int64
	for line := range strings.SplitSeq(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		name = strings.TrimPrefix(name, "cmdstat_")
		if name == "info" || strings.HasPrefix(name, "config") {
			continue
		}
		for kv := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(kv, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				calls[name] = n
				total += n
			}
		}
	}
	return calls, total
}

// Info returns one numeric field of INFO (e.g. used_memory).
func (r *RedisServer) Info(ctx context.Context, section, field string) (int64, error) {
	s, err := r.stats.Info(ctx, section).Result()
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("INFO %s has no %s", section, field)
}

// DBSize is the number of keys.
func (r *RedisServer) DBSize(ctx context.Context) (int64, error) {
	return r.stats.DBSize(ctx).Result()
}

// Proxy forwards TCP connections to Redis and counts round trips: every
// read of client bytes is one request batch, because a go-redis connection
// writes a command (or a whole pipeline or MULTI block) with one flush and
// then waits for the answer before it writes again. Redis's own
// commandstats count commands, not round trips; this counts what costs
// latency.
type Proxy struct {
	Addr   string
	ln     net.Listener
	target string
	trips  atomic.Int64
	byCmd  sync.Map // first command of a batch -> *atomic.Int64
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

// StartProxy listens on a free loopback port and forwards to target.
func StartProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// URL is a REDIS_URL through the proxy.
func (p *Proxy) URL() string { return "redis://" + p.Addr + "/0" }

// RoundTrips counts request batches since the last Reset.
func (p *Proxy) RoundTrips() int64 { return p.trips.Load() }

// ByCommand counts round trips by the first command of each batch ("get",
// "evalsha", "multi", "hello", ...).
func (p *Proxy) ByCommand() map[string]int64 {
	out := map[string]int64{}
	p.byCmd.Range(func(k, v any) bool {
		if n := v.(*atomic.Int64).Load(); n > 0 {
			out[k.(string)] = n
		}
		return true
	})
	return out
}

// Reset zeroes the counts.
func (p *Proxy) Reset() {
	p.trips.Store(0)
	p.byCmd.Range(func(_, v any) bool { v.(*atomic.Int64).Store(0); return true })
}

func (p *Proxy) count(batch []byte) {
	p.trips.Add(1)
	name := strings.ToLower(firstCommand(batch))
	v, _ := p.byCmd.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// firstCommand reads the name of the first command of a RESP request:
// "*<n>\r\n$<len>\r\n<name>\r\n...".
func firstCommand(b []byte) string {
	_, rest, ok := strings.Cut(string(b[:min(len(b), 64)]), "\r\n")
	if !ok || !strings.HasPrefix(rest, "$") {
		return "?"
	}
	_, rest, ok = strings.Cut(rest, "\r\n")
	if !ok {
		return "?"
	}
	name, _, _ := strings.Cut(rest, "\r\n")
	return name
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Proxy) track(c net.Conn, add bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer client.Close()
	server, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		return
	}
	defer server.Close()
	p.track(client, true)
	p.track(server, true)
	defer p.track(client, false)
	defer p.track(server, false)
	go func() {
		_, _ = io.Copy(client, server)
		client.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			p.count(buf[:n])
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Close stops the proxy and its connections.
func (p *Proxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
