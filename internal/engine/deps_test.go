package engine_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The engine speaks to adapters and stores through its own types only: it
// depends on no Slack, Redis, cron, chart or PDF library, so a third
// surface or store can sit beside them.
func TestEngineDependsOnNoOutsideSystem(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/slack-go/", "github.com/redis/", "github.com/robfig/cron", "github.com/wcharczuk/go-chart", "github.com/go-pdf/fpdf", "go.etcd.io/bbolt"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("internal/engine depends on %s", dep)
			}
		}
	}
}
