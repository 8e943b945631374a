package redistest_test

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/journeybot/journeybot/internal/redis/redistest"
)

// Nothing answers at a RefusedAddr, and nothing can listen there.
func TestRefusedAddr(t *testing.T) {
	addr := redistest.RefusedAddr(t)
	if c, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dial %s: %v, want connection refused", addr, err)
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Errorf("listened on %s", addr)
	}
}
