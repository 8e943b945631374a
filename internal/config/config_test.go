package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != DefaultAPIURL || c.Addr != ":3000" || c.DefaultLang != "en" || c.DefaultTZ.String() != "UTC" ||
		c.LogFormat != "json" || c.ReviewMinInterval != 24*time.Hour || c.UsesRedis() || c.SocketMode() || c.RedisPrefix != "journeybot" {
		t.Errorf("defaults %+v", c)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		serve bool
		want  []string // variable names the error must name; none for valid
	}{
		{"valid http", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, true, nil},
		{"valid socket", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, true, nil},
		{"serve needs tokens", nil, true, []string{"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}},
		{"wrong token kinds", map[string]string{"SLACK_BOT_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xoxb-1"}, true, []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"}},
		{"all at once", map[string]string{"DEFAULT_LANG": "de", "DEFAULT_TZ": "Paris", "LOG_LEVEL": "loud", "LOG_FORMAT": "xml",
			"REVIEW_MIN_INTERVAL": "soon", "SLACK_API_URL": "ftp://x", "REDIS_URL": "http://x"}, false,
			[]string{"DEFAULT_LANG", "DEFAULT_TZ", "LOG_LEVEL", "LOG_FORMAT", "REVIEW_MIN_INTERVAL", "SLACK_API_URL", "REDIS_URL"}},
		{"both redis settings", map[string]string{"REDIS_URL": "redis://x:6379", "REDIS_ADDRS": "a:1,b:2"}, false, []string{"REDIS_URL and REDIS_ADDRS"}},
		{"master without sentinels", map[string]string{"REDIS_MASTER_NAME": "m"}, false, []string{"REDIS_MASTER_NAME"}},
		{"interval under a minute", map[string]string{"REVIEW_MIN_INTERVAL": "30s"}, false, []string{"REVIEW_MIN_INTERVAL"}},
		{"addrs with credentials", map[string]string{"REDIS_ADDRS": "a:1,:s3cret@b:2"}, false, []string{"REDIS_ADDRS: entry 2 holds credentials", "REDIS_PASSWORD"}},
		{"addrs with a url", map[string]string{"REDIS_ADDRS": "redis://:s3cret@b:2"}, false, []string{"REDIS_ADDRS: entry 1 is a URL"}},
		{"addrs without port", map[string]string{"REDIS_ADDRS": "redis-1"}, false, []string{"REDIS_ADDRS", "host:port"}},
		{"addrs bad port", map[string]string{"REDIS_ADDRS": "redis-1:70000"}, false, []string{"REDIS_ADDRS", "port"}},
		{"valid ha set-up", map[string]string{"REDIS_ADDRS": "s1:26379,s2:26379", "REDIS_MASTER_NAME": "m", "REDIS_USERNAME": "bot",
			"REDIS_PASSWORD": "p", "REDIS_SENTINEL_PASSWORD": "sp", "REDIS_TLS": "true", "REDIS_WAIT_REPLICAS": "1"}, false, nil},
		{"sentinel password without sentinels", map[string]string{"REDIS_ADDRS": "a:1", "REDIS_SENTINEL_PASSWORD": "sp"}, false, []string{"REDIS_SENTINEL_PASSWORD"}},
		{"two passwords", map[string]string{"REDIS_URL": "redis://:a@x:6379", "REDIS_PASSWORD": "b"}, false, []string{"REDIS_PASSWORD and a password in REDIS_URL"}},
		{"bad tls and wait", map[string]string{"REDIS_URL": "redis://x:6379", "REDIS_TLS": "maybe", "REDIS_WAIT_REPLICAS": "-1"}, false, []string{"REDIS_TLS", "REDIS_WAIT_REPLICAS"}},
		{"valid multi-workspace", map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s3cret", "SLACK_SIGNING_SECRET": "s"}, true, nil},
		{"client id alone", map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}, true, []string{"SLACK_CLIENT_SECRET"}},
		{"multi-workspace with a bot token and socket mode", map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s3cret",
			"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, true, []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"}},
		{"bad retention", map[string]string{"UNINSTALL_RETENTION": "a month"}, false, []string{"UNINSTALL_RETENTION"}},
		{"negative retention", map[string]string{"UNINSTALL_RETENTION": "-1h"}, false, []string{"UNINSTALL_RETENTION"}},
		{"redis options without redis", map[string]string{"REDIS_PASSWORD": "p"}, false, []string{"REDIS_PASSWORD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(env(tt.env))
			if tt.serve {
				err = Merge(err, c.ForServe())
			}
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows a password", err)
			}
		})
	}
}

func TestUninstallRetention(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 30 * 24 * time.Hour, "7d": 7 * 24 * time.Hour, "72h": 72 * time.Hour, "0": 0} {
		c, err := Load(env(map[string]string{"UNINSTALL_RETENTION": v}))
		if err != nil || c.UninstallRetention != want {
			t.Errorf("UNINSTALL_RETENTION=%q: %v, %v; want %v", v, c.UninstallRetention, err, want)
		}
	}
}

func TestAPIURLGetsItsSlash(t *testing.T) {
	c, err := Load(env(map[string]string{"SLACK_API_URL": "http://127.0.0.1:9/api", "REDIS_ADDRS": " a:1 , b:2 ,"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != "http://127.0.0.1:9/api/" || len(c.RedisAddrs) != 2 || c.RedisAddrs[1] != "b:2" {
		t.Errorf("APIURL %q addrs %q", c.APIURL, c.RedisAddrs)
	}
}
