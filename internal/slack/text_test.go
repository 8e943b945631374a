package slack_test

import (
	"testing"

	"github.com/journeybot/journeybot/internal/slack"
)

// The inputs are text as Slack sends it: escaped, with its markup (see
// testdata/payloads for whole payloads and their sources).
func TestFromSlack(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Pricing page | website", "Pricing page | website"},
		{"escaped", "Checkout &amp; payment &lt;3 &gt; 2", "Checkout & payment <3 > 2"},
		{"escaped once only", "&amp;lt;", "&lt;"},
		{"user", "ask <@U0MARIA001>", "ask <@U0MARIA001>"},
		{"user with label", "<@U0MARIA001|maria>", "<@U0MARIA001|maria>"},
		{"enterprise user", "<@W0MARIA001>", "<@W0MARIA001>"},
		{"user label cleaned", "<@U0MARIA001|a&lt;b&gt;c>", "<@U0MARIA001|abc>"},
		{"not a user id", "<@nobody>", "@nobody"},
		{"channel", "see <#C0GENERAL1|general>", "see #general"},
		{"channel without name", "see <#C0GENERAL1|>", "see #C0GENERAL1"},
		{"channel bare", "see <#C0GENERAL1>", "see #C0GENERAL1"},
		{"user group", "<!subteam^S0DESIGN01|@design>", "@design"},
		{"user group without label", "<!subteam^S0DESIGN01>", "@group"},
		{"here", "<!here> look", "@here look"},
		{"channel broadcast", "<!channel>", "@channel"},
		{"everyone", "<!everyone|everyone>", "@everyone"},
		{"date", "<!date^1764583200^{date_short}|Dec 1, 2026>", "Dec 1, 2026"},
		{"link", "<https://example.com/pricing>", "https://example.com/pricing"},
		{"labelled link", "<https://example.com/pricing|pricing page>", "pricing page (https://example.com/pricing)"},
		{"forged label", "<https://evil.example|https://bank.example>", "https://bank.example (https://evil.example)"},
		{"typed domain", "<http://example.com|example.com>", "example.com"},
		{"typed https domain", "<https://example.com|example.com>", "example.com"},
		{"mailto", "<mailto:maria@example.com|maria@example.com>", "maria@example.com"},
		{"mailto other label", "<mailto:maria@example.com|Maria>", "Maria (maria@example.com)"},
		{"link with escaped query", "<https://x.example/?a=1&amp;b=2>", "https://x.example/?a=1&b=2"},
		{"unclosed", "a <@U0MARIA001", "a <@U0MARIA001"},
		{"resources line", "need | CRM | no history of past tickets | <@U0MARIA001>", "need | CRM | no history of past tickets | <@U0MARIA001>"},
		{"pipes inside markup", "have | CRM | no history | <mailto:maria@example.com|maria@example.com>", "have | CRM | no history | maria@example.com"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slack.FromSlack(tt.in); got != tt.want {
				t.Errorf("FromSlack(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
