package redistest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/journeybot/journeybot/internal/testwait"
)

// SentinelMaster is the name under which the sentinels of a Sentinel
// monitor its master.
const SentinelMaster = "jbmaster"

const (
	// Data and sentinel ports are drawn from [portMin, portMax); a cluster
	// node also listens on its port plus busOffset for the cluster bus, which
	// keeps every bus port above every data port.
	portMin   = 20000
	portMax   = 30000
	busOffset = 10000

	// startAttempts bounds how often a whole topology is started again
	// after a redis-server lost the race for one of its ports.
	startAttempts = 5
	// readyTimeout bounds each wait while a topology starts.
	readyTimeout = 30 * time.Second
	// pollInterval is the pause between two checks of a condition.
	pollInterval = 20 * time.Millisecond
	// logTailLines is how much of each server log a failure shows.
	logTailLines = 15

	clusterSlots     = 16384
	sentinelQuorum   = 2
	clusterMasters   = 3
	clusterNodeCount = 6
)

// errPortClash marks a start that failed because another process took a
// port between the check that it was free and redis-server binding it.
var errPortClash = errors.New("port already in use")

// Option configures StartCluster, StartSentinel, NewCluster and
// NewSentinel.
type Option func(*options)

type options struct {
	password string
	logf     func(format string, args ...any)
	procAttr *syscall.SysProcAttr
}

// WithPassword protects the topology with pw. Every data node gets
// requirepass and masterauth pw; the sentinels of a Sentinel also require
// pw from their clients and each other (requirepass, sentinel sentinel-pass)
// and use it to authenticate to the data nodes (sentinel auth-pass).
// Clients then need Password (and, for sentinels, SentinelPassword) set.
func WithPassword(pw string) Option {
	return func(o *options) { o.password = pw }
}

// WithLogf sends a line to logf whenever a start is tried again on other
// ports because another process took one (StartCluster and StartSentinel
// log to tb).
func WithLogf(logf func(format string, args ...any)) Option {
	return func(o *options) { o.logf = logf }
}

// WithSysProcAttr starts every redis-server of the topology with attr, for
// instance with Pdeathsig set on Linux, so the servers die with a program
// that crashes before it can Close them.
func WithSysProcAttr(attr *syscall.SysProcAttr) Option {
	return func(o *options) { o.procAttr = attr }
}

func buildOptions(opts []Option) options {
	o := options{logf: func(string, ...any) {}}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// ErrNotInstalled is what NewCluster and NewSentinel return (wrapped, with
// the names) when redis-server or redis-cli is not on PATH.
var ErrNotInstalled = errors.New("not found on PATH (Debian packages redis-server and redis-tools)")

// missingBinaries returns the named programs that are not on PATH.
func missingBinaries(names ...string) []string {
	var missing []string
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			missing = append(missing, name)
		}
	}
	return missing
}

// lookBinaries returns an error wrapping ErrNotInstalled when one of the
// named programs is not on PATH.
func lookBinaries(names ...string) error {
	if missing := missingBinaries(names...); len(missing) > 0 {
		return fmt.Errorf("redistest: %s %w", strings.Join(missing, " and "), ErrNotInstalled)
	}
	return nil
}

// requireBinaries skips tb when one of the named programs is not on PATH,
// or fails it on CI (CI=true), where a missing install step must not turn
// the suite green by skipping, the same policy as Client.
func requireBinaries(tb testing.TB, names ...string) {
	tb.Helper()
	missing := missingBinaries(names...)
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("%s not found on PATH (Debian packages redis-server and redis-tools)", strings.Join(missing, " and "))
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s; CI must install them", msg)
	}
	tb.Skipf("%s; skipping", msg)
}

// ---------------------------------------------------------------------------
// Ports.

// reserved holds the ports that topologies of this test binary use or are
// starting on, so parallel tests never draw the same port. Other programs
// can still take a port after the bind check; starts retry when they do.
var reserved = struct {
	sync.Mutex
	ports map[int]bool
}{ports: make(map[int]bool)}

// reservePorts draws n distinct free ports from [portMin, portMax). With
// bus set, port+busOffset must be free too.
func reservePorts(n int, bus bool) ([]int, error) {
	reserved.Lock()
	defer reserved.Unlock()
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries == 1000 {
			for _, p := range ports {
				delete(reserved.ports, p)
			}
			return nil, fmt.Errorf("no %d free ports in %d-%d after %d tries", n, portMin, portMax-1, tries)
		}
		p := portMin + rand.IntN(portMax-portMin)
		if reserved.ports[p] || !portFree(p) || (bus && !portFree(p+busOffset)) {
			continue
		}
		reserved.ports[p] = true
		ports = append(ports, p)
	}
	return ports, nil
}

func releasePorts(ports []int) {
	reserved.Lock()
	defer reserved.Unlock()
	for _, p := range ports {
		delete(reserved.ports, p)
	}
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", addrOf(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func addrOf(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// ---------------------------------------------------------------------------
// Processes.

// server is one redis-server process (a data node or a sentinel).
type server struct {
	addr    string
	role    string // "node" or "sentinel", for messages
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process has exited

	// client talks to a data node, sentinel to a sentinel.
	client   *goredis.Client
	sentinel *goredis.SentinelClient
}

func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (s *server) kill() {
	if s.alive() {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
}

func (s *server) process(ctx context.Context, cmd goredis.Cmder) error {
	if s.sentinel != nil {
		return s.sentinel.Process(ctx, cmd)
	}
	return s.client.Process(ctx, cmd)
}

// info returns the INFO section of s parsed into fields.
func (s *server) info(ctx context.Context, section string) (map[string]string, error) {
	cmd := goredis.NewStringCmd(ctx, "info", section)
	if err := s.process(ctx, cmd); err != nil {
		return nil, fmt.Errorf("%s: INFO %s: %w", s.addr, section, err)
	}
	return parseFields(cmd.Val()), nil
}

// parseFields parses "key:value" lines, as INFO and CLUSTER INFO print them.
func parseFields(text string) map[string]string {
	fields := make(map[string]string)
	for line := range strings.Lines(text) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok {
			fields[k] = v
		}
	}
	return fields
}

// group is the set of processes of one topology and its files.
type group struct {
	password string
	procAttr *syscall.SysProcAttr
	dir      string
	ports    []int
	servers  []*server
	stopOnce sync.Once
	stopErr  error
}

// newGroup reserves n ports (with their bus ports when bus is set) and
// makes a new directory under dir, named after kind, for the files of the
// processes the group starts; stop kills them.
func newGroup(dir, kind string, o options, n int, bus bool) (*group, error) {
	ports, err := reservePorts(n, bus)
	if err != nil {
		return nil, err
	}
	// A directory of its own for each attempt: a node must never find the
	// nodes.conf of an earlier attempt's node on the same port.
	sub, err := os.MkdirTemp(dir, kind+"-")
	if err != nil {
		releasePorts(ports)
		return nil, err
	}
	return &group{password: o.password, procAttr: o.procAttr, dir: sub, ports: ports}, nil
}

// stop kills every process, waits for each to exit and frees the ports. It
// returns what closing the clients returned, the same on every call.
func (g *group) stop() error {
	g.stopOnce.Do(func() {
		for _, s := range g.servers {
			s.kill()
		}
		var errs []error
		for _, s := range g.servers {
			if s.client != nil {
				errs = append(errs, s.client.Close())
			}
			if s.sentinel != nil {
				errs = append(errs, s.sentinel.Close())
			}
		}
		releasePorts(g.ports)
		g.stopErr = errors.Join(errs...)
	})
	return g.stopErr
}

// start runs `redis-server <conf> [extra...]` with conf written from lines
// into a directory of its own, logging to a file beside it. It does not
// wait for the server to answer; see waitUp.
func (g *group) start(role string, port int, lines []string, extra ...string) (*server, error) {
	addr := addrOf(port)
	dir := filepath.Join(g.dir, strconv.Itoa(port))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	conf := append([]string{
		"port " + strconv.Itoa(port),
		"bind 127.0.0.1",
		"protected-mode no",
		"daemonize no",
		`logfile ""`,
		"dir " + dir,
	}, lines...)
	confPath := filepath.Join(dir, role+".conf")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, role+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor after Start

	cmd := exec.Command("redis-server", append([]string{confPath}, extra...)...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = g.procAttr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server for %s: %w", addr, err)
	}
	s := &server{addr: addr, role: role, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	copt := &goredis.Options{
		Addr:            addr,
		Password:        g.password,
		DialTimeout:     500 * time.Millisecond,
		ReadTimeout:     time.Second,
		WriteTimeout:    time.Second,
		MaxRetries:      -1,
		PoolSize:        2,
		DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	}
	if role == "sentinel" {
		s.sentinel = goredis.NewSentinelClient(copt)
	} else {
		s.client = goredis.NewClient(copt)
	}
	g.servers = append(g.servers, s)
	return s, nil
}

// waitUp waits until s answers INFO as the process this group started, not
// some other server that holds the port. It reports errPortClash when
// redis-server exited because its port was taken.
func (g *group) waitUp(s *server) error {
	pid := strconv.Itoa(s.cmd.Process.Pid)
	var err error
	exited := false
	up := testwait.Poll("redis-server to answer as the process started", readyTimeout, pollInterval, func() bool {
		if !s.alive() {
			exited = true
			return true
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var info map[string]string
		info, err = s.info(ctx, "server")
		return err == nil && info["process_id"] == pid
	})
	switch {
	case exited:
		logText, _ := os.ReadFile(s.logPath)
		if bytes.Contains(logText, []byte("Address already in use")) {
			return fmt.Errorf("%s %s: %w", s.role, s.addr, errPortClash)
		}
		return fmt.Errorf("%s %s exited before it answered (%v)", s.role, s.addr, s.cmd.ProcessState)
	case !up:
		return fmt.Errorf("%s %s did not answer within %v (last error: %v)", s.role, s.addr, readyTimeout, err)
	}
	return nil
}

func (g *group) waitAllUp(servers []*server) error {
	for _, s := range servers {
		if err := g.waitUp(s); err != nil {
			return err
		}
	}
	return nil
}

// find returns the server on addr; an unknown address is a bug in the test.
func (g *group) find(addr string) *server {
	for _, s := range g.servers {
		if s.addr == addr {
			return s
		}
	}
	panic(fmt.Sprintf("redistest: no server of this topology listens on %q", addr))
}

func (g *group) live() []*server {
	var live []*server
	for _, s := range g.servers {
		if s.alive() {
			live = append(live, s)
		}
	}
	return live
}

// logTails returns the last lines of every server's log, for failures.
func (g *group) logTails() string {
	var b strings.Builder
	for _, s := range g.servers {
		state := "running"
		if !s.alive() {
			state = "exited: " + s.cmd.ProcessState.String()
		}
		fmt.Fprintf(&b, "\n--- %s %s (%s), %s:\n", s.role, s.addr, state, s.logPath)
		b.WriteString(tail(s.logPath, logTailLines))
	}
	return b.String()
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error() + "\n"
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// errorf returns an error with the message and the log tails of the
// group; %w in format wraps as fmt.Errorf does.
func (g *group) errorf(format string, args ...any) error {
	return fmt.Errorf("redistest: "+format+"\nserver logs:%s", append(args, g.logTails())...)
}

// poll calls cond every pollInterval until it returns nil or timeout has
// passed, and returns cond's last error; what says what it waits for. Each call gets a context that ends
// at the deadline, and at most a few seconds after its start. What cond
// looks at is redis-server processes: a wait on real time, through
// testwait.
func poll(what string, timeout time.Duration, cond func(ctx context.Context) error) error {
	deadline := time.Now().Add(timeout)
	var err error
	testwait.Poll(what, timeout, pollInterval, func() bool {
		ctx, cancel := context.WithDeadline(context.Background(), earlier(deadline, time.Now().Add(3*time.Second)))
		defer cancel()
		err = cond(ctx)
		return err == nil
	})
	return err
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// dataNodeConf is the configuration every data node shares: no
// persistence, and full syncs that start at once rather than after the
// default diskless delay of 5 s.
func dataNodeConf(password string) []string {
	lines := []string{
		`save ""`,
		"appendonly no",
		"repl-diskless-sync yes",
		"repl-diskless-sync-delay 0",
		"repl-diskless-load on-empty-db",
	}
	if password != "" {
		lines = append(lines, "requirepass "+quote(password), "masterauth "+quote(password))
	}
	return lines
}

// quote makes s one argument of a redis.conf line.
func quote(s string) string { return strconv.Quote(s) }

// startWithRetry runs try until it succeeds or fails for another reason
// than a port clash, at most startAttempts times. A failed attempt's
// processes are stopped before the next one, or before the error (which
// carries their log tails) is returned.
func startWithRetry[T any](o options, what string, try func() (T, *group, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, g, err := try()
		if err == nil {
			return v, nil
		}
		var zero T
		if g == nil {
			return zero, fmt.Errorf("redistest: %s: %w", what, err)
		}
		if errors.Is(err, errPortClash) && attempt < startAttempts {
			o.logf("redistest: %s: %v; starting again on other ports", what, err)
			_ = g.stop()
			continue
		}
		err = g.errorf("%s (attempt %d): %w", what, attempt, err)
		_ = g.stop()
		return zero, err
	}
}

// ---------------------------------------------------------------------------
// Cluster.

// Cluster is a running Redis Cluster of 3 masters and 3 replicas on
// loopback, made by StartCluster or NewCluster. Its nodes detect a dead peer after 1 s
// (cluster-node-timeout 1000), so a replica takes over from a killed master
// within a few seconds. Its methods are safe for concurrent use.
type Cluster struct {
	g     *group
	addrs []string
}

// StartCluster starts a cluster as NewCluster does, in a temporary
// directory of tb, and kills its processes when tb ends. It fails tb when
// the cluster does not start.
//
// Without redis-server or redis-cli on PATH the test is skipped, or fails
// on CI (CI=true).
func StartCluster(tb testing.TB, opts ...Option) *Cluster {
	tb.Helper()
	requireBinaries(tb, "redis-server", "redis-cli")
	// TempDir first: cleanups run last-in first-out, so the processes are
	// gone before the directory they write to is removed.
	dir := tb.TempDir()
	c, err := NewCluster(dir, append([]Option{WithLogf(tb.Logf)}, opts...)...)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// NewCluster starts six redis-server processes in cluster mode on free
// loopback ports, with their files in a new directory under dir, joins them
// with `redis-cli --cluster create --cluster-replicas 1`, and returns once
// every node reports cluster_state ok, all 16384 slots are assigned, every
// node knows the three masters and their replicas, and every replica's link
// to its master is up. Close kills the processes; the files (logs among
// them) stay in dir.
//
// Without redis-server or redis-cli on PATH it returns an error wrapping
// ErrNotInstalled. When the cluster does not start, nothing it started is
// left running, and the error carries the end of every server's log.
func NewCluster(dir string, opts ...Option) (*Cluster, error) {
	if err := lookBinaries("redis-server", "redis-cli"); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	return startWithRetry(o, "start cluster", func() (*Cluster, *group, error) {
		return tryStartCluster(dir, o)
	})
}

func tryStartCluster(dir string, o options) (*Cluster, *group, error) {
	g, err := newGroup(dir, "cluster", o, clusterNodeCount, true)
	if err != nil {
		return nil, nil, err
	}
	c := &Cluster{g: g}
	conf := append(dataNodeConf(o.password),
		"cluster-enabled yes",
		"cluster-config-file nodes.conf",
		"cluster-node-timeout 1000",
	)
	for _, port := range g.ports {
		s, err := g.start("node", port, conf)
		if err != nil {
			return nil, g, err
		}
		c.addrs = append(c.addrs, s.addr)
	}
	if err := g.waitAllUp(g.servers); err != nil {
		return nil, g, err
	}

	args := []string{"--cluster", "create"}
	args = append(args, c.addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if o.password != "" {
		args = append([]string{"-a", o.password, "--no-auth-warning"}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	cancel()
	if err != nil {
		return nil, g, fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}

	if err := poll("the cluster to form", readyTimeout, c.formed); err != nil {
		return nil, g, fmt.Errorf("cluster did not form within %v: %w", readyTimeout, err)
	}
	return c, g, nil
}

// formed reports why the freshly created cluster is not complete yet.
func (c *Cluster) formed(ctx context.Context) error {
	for _, s := range c.g.servers {
		if err := clusterStateOK(ctx, s); err != nil {
			return err
		}
		text, err := s.client.ClusterNodes(ctx).Result()
		if err != nil {
			return fmt.Errorf("%s: CLUSTER NODES: %w", s.addr, err)
		}
		nodes := parseClusterNodes(text)
		if len(nodes) != clusterNodeCount {
			return fmt.Errorf("%s knows %d nodes, want %d", s.addr, len(nodes), clusterNodeCount)
		}
		replicas := make(map[string]int) // master ID -> replica count
		masters := 0
		for _, n := range nodes {
			if bad := slices.IndexFunc(n.flags, func(f string) bool {
				return f == "fail" || f == "fail?" || f == "handshake" || f == "noaddr"
			}); bad >= 0 || n.link != "connected" {
				return fmt.Errorf("%s sees %s as %s, %s", s.addr, n.addr, strings.Join(n.flags, ","), n.link)
			}
			switch {
			case slices.Contains(n.flags, "master") && n.slots > 0:
				masters++
			case slices.Contains(n.flags, "slave"):
				replicas[n.master]++
			}
		}
		if masters != clusterMasters || len(replicas) != clusterMasters {
			return fmt.Errorf("%s sees %d masters with slots and replicas of %d masters, want %d of each", s.addr, masters, len(replicas), clusterMasters)
		}
	}
	for _, s := range c.g.servers {
		if err := replicaLinkUp(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// clusterStateOK reports why s does not see a complete, working cluster.
func clusterStateOK(ctx context.Context, s *server) error {
	text, err := s.client.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Errorf("%s: CLUSTER INFO: %w", s.addr, err)
	}
	info := parseFields(text)
	want := strconv.Itoa(clusterSlots)
	if info["cluster_state"] != "ok" || info["cluster_slots_assigned"] != want || info["cluster_slots_ok"] != want {
		return fmt.Errorf("%s: cluster_state:%s cluster_slots_assigned:%s cluster_slots_ok:%s",
			s.addr, info["cluster_state"], info["cluster_slots_assigned"], info["cluster_slots_ok"])
	}
	return nil
}

// replicaLinkUp reports why s is a replica whose link to its master is not
// up; a master passes.
func replicaLinkUp(ctx context.Context, s *server) error {
	info, err := s.info(ctx, "replication")
	if err != nil {
		return err
	}
	if info["role"] == "slave" && info["master_link_status"] != "up" {
		return fmt.Errorf("replica %s: link to master %s:%s is %s",
			s.addr, info["master_host"], info["master_port"], info["master_link_status"])
	}
	return nil
}

type clusterNode struct {
	addr   string // host:port, without the bus port or hostname
	flags  []string
	master string // ID of the master of a replica, "-" for a master
	link   string
	slots  int
}

// parseClusterNodes parses the CLUSTER NODES format: id addr flags master
// ping-sent pong-recv config-epoch link-state slot...
func parseClusterNodes(text string) map[string]clusterNode {
	nodes := make(map[string]clusterNode)
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		addr, _, _ = strings.Cut(addr, ",")
		n := clusterNode{addr: addr, flags: strings.Split(f[2], ","), master: f[3], link: f[7]}
		for _, r := range f[8:] {
			if strings.HasPrefix(r, "[") { // a slot being imported or migrated
				continue
			}
			lo, hi, isRange := strings.Cut(r, "-")
			if !isRange {
				hi = lo
			}
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 == nil && err2 == nil {
				n.slots += b - a + 1
			}
		}
		nodes[f[0]] = n
	}
	return nodes
}

// Addrs returns the addresses ("127.0.0.1:port") of all six nodes, killed
// ones included, in a fixed order.
func (c *Cluster) Addrs() []string { return slices.Clone(c.addrs) }

// Masters returns the addresses of the live nodes that report the master
// role right now (INFO replication), in the order of Addrs. A node that
// does not answer is left out.
func (c *Cluster) Masters() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var masters []string
	for _, s := range c.g.live() {
		if info, err := s.info(ctx, "replication"); err == nil && info["role"] == "master" {
			masters = append(masters, s.addr)
		}
	}
	return masters
}

// Kill sends SIGKILL to the node on addr and waits until it has exited. The
// node is not restarted. Killing a dead node again does nothing; an address
// that is not one of Addrs panics.
func (c *Cluster) Kill(addr string) { c.g.find(addr).kill() }

// Close kills every node that is still running, waits until each has
// exited and frees its ports. Calling it again does nothing.
func (c *Cluster) Close() error { return c.g.stop() }

// WaitHealthy waits until every live node reports cluster_state:ok with
// all 16384 slots ok, and every live node's CLUSTER SLOTS maps each of the
// 16384 slots to a live node that reports the master role. After a Kill
// of a master, that is when a replica has taken over and the whole cluster
// knows it. It fails tb after timeout.
func (c *Cluster) WaitHealthy(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	if err := c.WaitHealthyErr(timeout); err != nil {
		tb.Fatalf("%v", err)
	}
}

// WaitHealthyErr waits as WaitHealthy does, and returns an error, with the
// end of every server's log, after timeout.
func (c *Cluster) WaitHealthyErr(timeout time.Duration) error {
	if err := poll("every slot served by a live master", timeout, c.healthy); err != nil {
		return c.g.errorf("cluster not healthy within %v: %w", timeout, err)
	}
	return nil
}

func (c *Cluster) healthy(ctx context.Context) error {
	live := c.g.live()
	if len(live) == 0 {
		return errors.New("no node is running")
	}
	liveAddr := make(map[string]*server, len(live))
	for _, s := range live {
		liveAddr[s.addr] = s
	}
	owners := make(map[string]bool)
	for _, s := range live {
		if err := clusterStateOK(ctx, s); err != nil {
			return err
		}
		slots, err := s.client.ClusterSlots(ctx).Result()
		if err != nil {
			return fmt.Errorf("%s: CLUSTER SLOTS: %w", s.addr, err)
		}
		covered := 0
		for _, r := range slots {
			if len(r.Nodes) == 0 {
				return fmt.Errorf("%s: slots %d-%d have no node", s.addr, r.Start, r.End)
			}
			owner := r.Nodes[0].Addr
			if liveAddr[owner] == nil {
				return fmt.Errorf("%s: slots %d-%d belong to %s, which is not running", s.addr, r.Start, r.End, owner)
			}
			owners[owner] = true
			covered += r.End - r.Start + 1
		}
		if covered != clusterSlots {
			return fmt.Errorf("%s: CLUSTER SLOTS covers %d slots, want %d", s.addr, covered, clusterSlots)
		}
	}
	for addr := range owners {
		info, err := liveAddr[addr].info(ctx, "replication")
		if err != nil {
			return err
		}
		if info["role"] != "master" {
			return fmt.Errorf("%s owns slots but reports role %s", addr, info["role"])
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Sentinel.

// Sentinel is a running Sentinel group on loopback, made by StartSentinel
// or NewSentinel:
// one master and two replicas, monitored as SentinelMaster by three
// sentinels with quorum 2. The sentinels consider a master down after 2 s
// (down-after-milliseconds 2000, failover-timeout 20000, parallel-syncs 1),
// so a failover finishes within seconds. The failover timeout stays long:
// with 3 s a second failover sometimes began while the replicas were still
// re-pointed to the first new master, demoting it and losing the writes it
// had acknowledged. For the same reason a master is not called down after
// 1 s: on a loaded machine (the whole test suite on two cores) the new
// master, busy re-syncing the other replica, sometimes missed pings for a
// second, was failed over in turn, and the replies it had acknowledged were
// lost (about twenty, one second's worth). Its methods are safe for
// concurrent use.
type Sentinel struct {
	g         *group
	data      []*server // master first, then the replicas
	sentinels []*server
}

// StartSentinel starts a Sentinel group as NewSentinel does, in a
// temporary directory of tb, and kills its processes when tb ends. It
// fails tb when the group does not start.
//
// Without redis-server on PATH the test is skipped, or fails on CI
// (CI=true).
func StartSentinel(tb testing.TB, opts ...Option) *Sentinel {
	tb.Helper()
	requireBinaries(tb, "redis-server")
	dir := tb.TempDir()
	sg, err := NewSentinel(dir, append([]Option{WithLogf(tb.Logf)}, opts...)...)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(func() { _ = sg.Close() })
	return sg
}

// NewSentinel starts a master and two replicas (REPLICAOF), with their
// files in a new directory under dir, waits until both replicas' links are
// up, then starts three sentinels that monitor the master as
// SentinelMaster, and returns once every sentinel sees the master, both
// replicas and the two other sentinels, all connected. Close kills the
// processes; the files (logs among them) stay in dir.
//
// Without redis-server on PATH it returns an error wrapping
// ErrNotInstalled. When the group does not start, nothing it started is
// left running, and the error carries the end of every server's log.
func NewSentinel(dir string, opts ...Option) (*Sentinel, error) {
	if err := lookBinaries("redis-server"); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	return startWithRetry(o, "start sentinel group", func() (*Sentinel, *group, error) {
		return tryStartSentinel(dir, o)
	})
}

func tryStartSentinel(dir string, o options) (*Sentinel, *group, error) {
	g, err := newGroup(dir, "sentinel", o, 6, false)
	if err != nil {
		return nil, nil, err
	}
	sg := &Sentinel{g: g}
	dataPorts, sentinelPorts := g.ports[:3], g.ports[3:]
	masterPort := strconv.Itoa(dataPorts[0])

	// A replicaof line in the config would connect from the replication
	// cron, up to a second after start; the REPLICAOF command connects at
	// once.
	for _, port := range dataPorts {
		s, err := g.start("node", port, dataNodeConf(o.password))
		if err != nil {
			return nil, g, err
		}
		sg.data = append(sg.data, s)
	}
	if err := g.waitAllUp(sg.data); err != nil {
		return nil, g, err
	}
	for _, s := range sg.data[1:] {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := s.client.Do(ctx, "REPLICAOF", "127.0.0.1", masterPort).Err()
		cancel()
		if err != nil {
			return nil, g, fmt.Errorf("%s: REPLICAOF 127.0.0.1 %s: %w", s.addr, masterPort, err)
		}
	}
	if err := poll("the replicas' links to the master", readyTimeout, func(ctx context.Context) error {
		for _, s := range sg.data[1:] {
			if err := replicaLinkUp(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, g, fmt.Errorf("replicas did not sync within %v: %w", readyTimeout, err)
	}

	conf := []string{
		"sentinel resolve-hostnames no",
		fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s %d", SentinelMaster, masterPort, sentinelQuorum),
		fmt.Sprintf("sentinel down-after-milliseconds %s 2000", SentinelMaster),
		fmt.Sprintf("sentinel failover-timeout %s 20000", SentinelMaster),
		fmt.Sprintf("sentinel parallel-syncs %s 1", SentinelMaster),
	}
	if o.password != "" {
		pw := quote(o.password)
		conf = append(conf,
			fmt.Sprintf("sentinel auth-pass %s %s", SentinelMaster, pw),
			"sentinel sentinel-pass "+pw,
			"requirepass "+pw,
		)
	}
	for _, port := range sentinelPorts {
		s, err := g.start("sentinel", port, conf, "--sentinel")
		if err != nil {
			return nil, g, err
		}
		sg.sentinels = append(sg.sentinels, s)
	}
	if err := g.waitAllUp(sg.sentinels); err != nil {
		return nil, g, err
	}
	if err := poll("the sentinels to settle", readyTimeout, sg.formed); err != nil {
		return nil, g, fmt.Errorf("sentinels did not settle within %v: %w", readyTimeout, err)
	}
	return sg, g, nil
}

// formed reports why some sentinel does not yet see the whole group.
func (sg *Sentinel) formed(ctx context.Context) error {
	master := sg.data[0].addr
	for _, s := range sg.sentinels {
		m, err := s.sentinel.Master(ctx, SentinelMaster).Result()
		if err != nil {
			return fmt.Errorf("sentinel %s: SENTINEL MASTER: %w", s.addr, err)
		}
		if got := net.JoinHostPort(m["ip"], m["port"]); got != master || m["flags"] != "master" ||
			m["num-slaves"] != "2" || m["num-other-sentinels"] != "2" {
			return fmt.Errorf("sentinel %s sees master %s flags %s with %s replicas and %s other sentinels",
				s.addr, got, m["flags"], m["num-slaves"], m["num-other-sentinels"])
		}
		replicas, err := s.sentinel.Replicas(ctx, SentinelMaster).Result()
		if err != nil {
			return fmt.Errorf("sentinel %s: SENTINEL REPLICAS: %w", s.addr, err)
		}
		for _, r := range replicas {
			if r["flags"] != "slave" || r["master-link-status"] != "ok" {
				return fmt.Errorf("sentinel %s sees replica %s flags %s, link %s",
					s.addr, r["name"], r["flags"], r["master-link-status"])
			}
		}
		others, err := s.sentinel.Sentinels(ctx, SentinelMaster).Result()
		if err != nil {
			return fmt.Errorf("sentinel %s: SENTINEL SENTINELS: %w", s.addr, err)
		}
		for _, o := range others {
			if o["flags"] != "sentinel" {
				return fmt.Errorf("sentinel %s sees sentinel %s flags %s", s.addr, o["name"], o["flags"])
			}
		}
		if len(replicas) != 2 || len(others) != 2 {
			return fmt.Errorf("sentinel %s lists %d replicas and %d sentinels, want 2 and 2", s.addr, len(replicas), len(others))
		}
	}
	return nil
}

// SentinelAddrs returns the addresses of the three sentinels, killed ones
// included, in a fixed order.
func (sg *Sentinel) SentinelAddrs() []string { return addrsOf(sg.sentinels) }

// DataAddrs returns the addresses of the three data nodes, killed ones
// included: the first master, then the replicas. After a failover the
// first one is no longer the master; ask Master.
func (sg *Sentinel) DataAddrs() []string { return addrsOf(sg.data) }

func addrsOf(servers []*server) []string {
	addrs := make([]string, len(servers))
	for i, s := range servers {
		addrs[i] = s.addr
	}
	return addrs
}

// Master returns the master's address as the live sentinels report it
// (SENTINEL GET-MASTER-ADDR-BY-NAME). While a failover is spreading the
// sentinels may disagree; Master waits up to 10 s for them to agree, then
// fails tb.
func (sg *Sentinel) Master(tb testing.TB) string {
	tb.Helper()
	addr, err := sg.MasterErr()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return addr
}

// MasterErr returns the master's address as Master does, and an error,
// with the end of every server's log, when the sentinels do not agree
// within 10 s.
func (sg *Sentinel) MasterErr() (string, error) {
	var addr string
	err := poll("the sentinels to agree on the master", 10*time.Second, func(ctx context.Context) error {
		var err error
		addr, err = sg.agreedMaster(ctx)
		return err
	})
	if err != nil {
		return "", sg.g.errorf("sentinels do not agree on a master: %w", err)
	}
	return addr, nil
}

// agreedMaster returns the master address every live sentinel reports.
func (sg *Sentinel) agreedMaster(ctx context.Context) (string, error) {
	var addr string
	var answers []string
	for _, s := range sg.sentinels {
		if !s.alive() {
			continue
		}
		hp, err := s.sentinel.GetMasterAddrByName(ctx, SentinelMaster).Result()
		if err != nil {
			return "", fmt.Errorf("sentinel %s: SENTINEL GET-MASTER-ADDR-BY-NAME: %w", s.addr, err)
		}
		if len(hp) != 2 {
			return "", fmt.Errorf("sentinel %s: SENTINEL GET-MASTER-ADDR-BY-NAME answered %q", s.addr, hp)
		}
		a := net.JoinHostPort(hp[0], hp[1])
		answers = append(answers, s.addr+" says "+a)
		if addr == "" {
			addr = a
		} else if a != addr {
			addr = "-"
		}
	}
	switch addr {
	case "":
		return "", errors.New("no sentinel is running")
	case "-":
		return "", errors.New(strings.Join(answers, "; "))
	}
	return addr, nil
}

// Kill sends SIGKILL to the data node or sentinel on addr and waits until
// it has exited. It is not restarted. Killing a dead one again does
// nothing; an address that is neither in DataAddrs nor in SentinelAddrs
// panics.
func (sg *Sentinel) Kill(addr string) { sg.g.find(addr).kill() }

// Close kills every data node and sentinel that is still running, waits
// until each has exited and frees its ports. Calling it again does nothing.
func (sg *Sentinel) Close() error { return sg.g.stop() }

// WaitMaster waits until every live sentinel reports the same master, other
// than notAddr, and that node reports the master role, and returns its
// address. Call it with the old master after Kill to wait for the
// failover. It fails tb after timeout.
func (sg *Sentinel) WaitMaster(tb testing.TB, notAddr string, timeout time.Duration) string {
	tb.Helper()
	addr, err := sg.WaitMasterErr(notAddr, timeout)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return addr
}

// WaitMasterErr waits as WaitMaster does, and returns an error, with the
// end of every server's log, after timeout.
func (sg *Sentinel) WaitMasterErr(notAddr string, timeout time.Duration) (string, error) {
	var addr string
	err := poll("the sentinels to agree on a new master", timeout, func(ctx context.Context) error {
		a, err := sg.agreedMaster(ctx)
		if err != nil {
			return err
		}
		if a == notAddr {
			return fmt.Errorf("sentinels still report %s", a)
		}
		var node *server
		for _, s := range sg.data {
			if s.addr == a {
				node = s
			}
		}
		if node == nil {
			return fmt.Errorf("sentinels report %s, which is none of the data nodes", a)
		}
		info, err := node.info(ctx, "replication")
		if err != nil {
			return err
		}
		if info["role"] != "master" {
			return fmt.Errorf("sentinels report %s, which still has role %s", a, info["role"])
		}
		addr = a
		return nil
	})
	if err != nil {
		return "", sg.g.errorf("no master other than %s within %v: %w", notAddr, timeout, err)
	}
	return addr, nil
}
