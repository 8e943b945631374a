package redis

import (
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

func TestNewClient(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		kind    string // "client", "cluster" or "sentinel"
		addr    string
		db      int
		tls     bool
		user    string
		wantErr string
	}{
		{name: "url", opts: Options{URL: "redis://127.0.0.1:6379/2"}, kind: "client", addr: "127.0.0.1:6379", db: 2},
		{name: "url defaults", opts: Options{URL: "redis://cache"}, kind: "client", addr: "cache:6379"},
		{name: "tls url with credentials", opts: Options{URL: "rediss://bot:s3cret@cache.example.com:6380/1"}, kind: "client", addr: "cache.example.com:6380", db: 1, tls: true, user: "bot"},
		{name: "one address", opts: Options{Addrs: []string{"10.0.0.1:6379"}}, kind: "client", addr: "10.0.0.1:6379"},
		{name: "cluster", opts: Options{Addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000"}}, kind: "cluster"},
		{name: "sentinel", opts: Options{Addrs: []string{"10.0.0.1:26379", "10.0.0.2:26379"}, MasterName: "mymaster"}, kind: "sentinel"},
		{name: "bad scheme", opts: Options{URL: "http://cache:6379"}, wantErr: "invalid URL scheme"},
		{name: "bad db", opts: Options{URL: "redis://cache:6379/zero"}, wantErr: "invalid database"},
		{name: "bad url hides password", opts: Options{URL: "redis://bot:s3cret@cache:port/0"}, wantErr: "invalid port"},
		{name: "url and addrs", opts: Options{URL: "redis://cache", Addrs: []string{"cache:6379"}}, wantErr: "not both"},
		{name: "nothing", opts: Options{}, wantErr: "no URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newClient(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q reveals the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			switch c := c.(type) {
			case *goredis.ClusterClient:
				if got, want := c.Options().Addrs, tt.opts.Addrs; tt.kind != "cluster" || strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("got a cluster client on %v, want a %s client on %v", got, tt.kind, want)
				}
			case *goredis.Client:
				o := c.Options()
				kind := "client"
				if o.Addr == "FailoverClient" { // what go-redis names a Sentinel-backed client
					kind = "sentinel"
				}
				if kind != tt.kind {
					t.Fatalf("got a %s client, want a %s client", kind, tt.kind)
				}
				if kind == "sentinel" {
					return
				}
				if o.Addr != tt.addr || o.DB != tt.db || (o.TLSConfig != nil) != tt.tls || o.Username != tt.user {
					t.Errorf("got addr %s, db %d, tls %v, user %q; want %s, %d, %v, %q", o.Addr, o.DB, o.TLSConfig != nil, o.Username, tt.addr, tt.db, tt.tls, tt.user)
				}
				if tt.tls && o.TLSConfig.ServerName != "cache.example.com" {
					t.Errorf("TLS server name = %q, want cache.example.com", o.TLSConfig.ServerName)
				}
			default:
				t.Fatalf("got a %T", c)
			}
		})
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
		if len(seen) != 4 { // meta, inputs, ver, scores
			t.Errorf("workshop %s has %d distinct keys %v, want 4", id, len(seen), keys)
		}
	}
	if a, b := hashTag(s.wkey("W1", "meta")), hashTag(s.wkey("W2", "meta")); a == b {
		t.Errorf("W1 and W2 share the hash tag %q; workshops should spread over the cluster", a)
	}
}
