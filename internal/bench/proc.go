package bench

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat. Linux
// exports USER_HZ, which is 100 on every architecture Go supports.
const clockTick = 10 * time.Millisecond

// Proc is a child process the benchmark measures or breaks: the bot, the
// baseline or a redis-server. Running them as real processes is what makes
// kill -9, CPU time and resident memory real.
type Proc struct {
	Name string
	Log  string // file holding the child's stdout and stderr
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// StartProc starts argv with env added to the bench's environment. Output
// goes to logPath. The child is killed if the bench process dies, so a
// crashed run leaves no redis-server or bot behind.
func StartProc(name string, argv, env []string, logPath string) (*Proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the child's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the child has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the child.
func (p *Proc) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill is kill -9: the child gets no chance to flush or drain anything.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the child to stop (SIGTERM) and kills it after timeout.
func (p *Proc) Stop(timeout time.Duration) error {
	if p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("%s did not stop within %v after SIGTERM; killed", p.Name, timeout)
	}
}

// LogTail returns the end of the child's output, for error messages.
func (p *Proc) LogTail(n int) string {
	b, _ := os.ReadFile(p.Log)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// CPU returns the user plus system CPU time the child has used so far.
func (p *Proc) CPU() (time.Duration, error) { return procCPU(p.Pid()) }

// Mem returns the child's resident memory now (VmRSS) and its peak so far
// (VmHWM), in bytes.
func (p *Proc) Mem() (rss, hwm int64, err error) { return procMem(p.Pid()) }

func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces: count from its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * clockTick, nil
}

func procMem(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	return rss, hwm, nil
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before it is used; the bench runs alone enough for that not to
// matter, and a failure to listen is reported.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// closedConns counts sockets in TIME_WAIT towards a local port: each is a
// TCP connection to that port that was opened and closed again within the
// last minute (the kernel keeps TIME_WAIT for 60 s). For the fake Slack's
// port, it tells whether the bot reuses its Web API connections.
func closedConns(port int) int {
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			fs := strings.Fields(line)
			// sl local_address rem_address st ...; TIME_WAIT is 06. The
			// side that closed first holds it, so look at both ends.
			if len(fs) < 4 || fs[3] != "06" {
				continue
			}
			if hexPort(fs[1]) == port || hexPort(fs[2]) == port {
				n++
			}
		}
	}
	return n
}

func hexPort(addr string) int {
	_, p, ok := strings.Cut(addr, ":")
	if !ok {
		return -1
	}
	v, err := strconv.ParseInt(p, 16, 32)
	if err != nil {
		return -1
	}
	return int(v)
}

// machineCPU reads /proc/stat: CPU time spent in user and system mode by
// every process on the machine (interrupt time left out), so the bench can
// tell how much of the machine something else used while it measured.
func machineCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 4 || f[0] != "cpu" {
		return 0, errors.New("unreadable /proc/stat")
	}
	var ticks int64
	for _, v := range f[1:4] { // user, nice, system
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}
