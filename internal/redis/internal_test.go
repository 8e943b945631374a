package redis

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		addr    string
		db      int
		tls     bool
		user    string
		wantErr string
	}{
		{name: "url", url: "redis://127.0.0.1:6379/2", addr: "127.0.0.1:6379", db: 2},
		{name: "url defaults", url: "redis://cache", addr: "cache:6379"},
		{name: "tls url with credentials", url: "rediss://bot:s3cret@cache.example.com:6380/1", addr: "cache.example.com:6380", db: 1, tls: true, user: "bot"},
		{name: "bad scheme", url: "http://cache:6379", wantErr: "invalid URL scheme"},
		{name: "bad db", url: "redis://cache:6379/zero", wantErr: "invalid database"},
		{name: "bad url hides password", url: "redis://bot:s3cret@cache:port/0", wantErr: "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "REDIS_URL: ") {
					t.Fatalf("got error %v, want one naming REDIS_URL, containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q reveals the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Addr != tt.addr || o.DB != tt.db || (o.TLSConfig != nil) != tt.tls || o.Username != tt.user {
				t.Errorf("got addr %s, db %d, tls %v, user %q; want %s, %d, %v, %q", o.Addr, o.DB, o.TLSConfig != nil, o.Username, tt.addr, tt.db, tt.tls, tt.user)
			}
			if tt.tls && o.TLSConfig.ServerName != "cache.example.com" {
				t.Errorf("TLS server name = %q, want cache.example.com", o.TLSConfig.ServerName)
			}
		})
	}
}

func TestInfoFields(t *testing.T) {
	info := "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n# Cluster\r\ncluster_enabled:1\r\n"
	if got := infoField(info, "redis_mode"); got != "standalone" {
		t.Errorf("redis_mode = %q", got)
	}
	if got := infoField(info, "cluster_enabled"); got != "1" {
		t.Errorf("cluster_enabled = %q", got)
	}
	resp2 := []any{"name", "jbmaster", "ip", "127.0.0.1"}
	resp3 := map[any]any{"name": "jbmaster"}
	if sentinelField(resp2, "name") != "jbmaster" || sentinelField(resp3, "name") != "jbmaster" || sentinelField(resp2, "port") != "" {
		t.Error("sentinelField")
	}
}

func TestOpenRefusesBracesInPrefix(t *testing.T) {
	if _, err := Open(t.Context(), Options{URL: "redis://127.0.0.1:1", Prefix: "bot{1}"}); err == nil || !strings.Contains(err.Error(), "braces") {
		t.Errorf("got %v, want an error about braces", err)
	}
}

// hashTag is the part of key Redis Cluster hashes: the text between the
// first '{' and the next '}', when not empty; otherwise the whole key.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

func TestWorkshopKeysShareHashSlot(t *testing.T) {
	s := New(nil, "")
	for _, id := range []string{"W1", "W12", "W12345"} {
		keys := append(s.workshopKeys(id, "inputs"), s.workshopKeys(id, "scores")...)
		seen := map[string]bool{}
		for _, k := range keys {
			if !strings.HasPrefix(k, DefaultPrefix+":") {
				t.Errorf("key %q lacks the prefix %q", k, DefaultPrefix)
			}
			if got := hashTag(k); got != id {
				t.Errorf("key %q hashes %q, want %q", k, got, id)
			}
			seen[k] = true
		}
		if len(seen) != 6 { // meta, inputs, ver, counts, people, scores
			t.Errorf("workshop %s has %d distinct keys %v, want 6", id, len(seen), keys)
		}
	}
	if a, b := hashTag(s.wkey("W1", "meta")), hashTag(s.wkey("W2", "meta")); a == b {
		t.Errorf("W1 and W2 share the hash tag %q; workshops should spread over the cluster", a)
	}
}

// No key of the root's own data, installations or states starts with
// "<prefix>:t:", where teams' data lives, so PurgeTeam's pattern cannot
// reach it; and every key of a team's store starts with its prefix.
func TestTeamKeysApart(t *testing.T) {
	root := New(nil, "bot")
	team := root.ForTeam("T1").(*Store)
	keys := func(s *Store) []string {
		ks := []string{s.prefix + ":seq", s.indexKey(), s.chanKey("C1"), s.threadKey("C1", "1.0"), s.homeKey("U1"), s.homesKey("C1"), s.nameKey("U1"), s.prefix + ":claim:t:x"}
		ks = append(ks, s.dueKeys()...)
		ks = append(ks, s.workshopKeys("W1", "inputs")...)
		ks = append(ks, s.workshopKeys("W1", "scores")...)
		ks = append(ks, s.workshopKeys("W1", "marks")...)
		return ks
	}
	unscoped := append(keys(root), root.installKey("T1"), root.installsKey(), root.stateKey("t:x"))
	for _, k := range unscoped {
		if strings.HasPrefix(k, "bot:t:") {
			t.Errorf("unscoped key %q starts with the teams' prefix", k)
		}
	}
	for _, k := range keys(team) {
		if !strings.HasPrefix(k, "bot:t:T1:") {
			t.Errorf("team key %q lacks the prefix bot:t:T1:", k)
		}
	}
	// A team's store keeps installations and states at the root.
	if team.installKey("T1") != root.installKey("T1") || team.stateKey("s") != root.stateKey("s") || team.installsKey() != root.installsKey() {
		t.Error("a team's store keeps installations or states apart from the root's")
	}
	if got := team.ForTeam("T2").(*Store).prefix; got != "bot:t:T2" {
		t.Errorf("ForTeam of a team's store has prefix %q, want bot:t:T2", got)
	}
}

func TestForTeamRefusesInvalidKeys(t *testing.T) {
	for _, key := range []string{"", "T", "t1", "T1:x", "T1*", "U1", "T{1}"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ForTeam(%q) did not panic", key)
				}
			}()
			New(nil, "bot").ForTeam(key)
		}()
	}
	if _, err := New(nil, "bot").PurgeTeam(t.Context(), "T1*"); err == nil {
		t.Error("PurgeTeam(T1*) succeeded")
	}
}

func TestGlobEscape(t *testing.T) {
	if got := globEscape(`a*b?c[d]e\f:t:T1:`); got != `a\*b\?c\[d\]e\\f:t:T1:` {
		t.Errorf("globEscape = %q", got)
	}
}
