package slack

import (
	"fmt"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/rich"
)

func TestMrkdwn(t *testing.T) {
	at := time.Date(2026, 12, 18, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   rich.Text
		want string
	}{
		{"escaped once", rich.Plain("Q&A <b> &amp;"), "Q&amp;A &lt;b&gt; &amp;amp;"},
		{"strong run", rich.Fill("now at **{step}**", "step", "Goals"), "now at *Goals*"},
		{"user", rich.User("U1", ""), "<@U1>"},
		{"user with a name", rich.User("U1", "Maria|x>"), "<@U1|Mariax>"},
		{"link", rich.Link("https://x.test/a|b", "the <doc>"), "<https://x.test/a%7Cb|the doc>"},
		{"channel", rich.Channel("C1", "design"), "<#C1>"},
		{"time in each reader's zone", rich.Time(at, "Europe/Paris", "Fri 18 Dec 2026 at 17:00 (CET) | x"),
			fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|Fri 18 Dec 2026 at 17:00 (CET)  x>", at.Unix())},
		{"time unknown", rich.Time(time.Time{}, "", "—"), "—"},
	}
	for _, tt := range tests {
		if got := mrkdwnOf(tt.in); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
