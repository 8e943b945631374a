// Package config reads journeybot's settings from the environment, checks
// them all before anything connects, and reports every problem at once.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of SPEC.md's Configuration table.
type Config struct {
	BotToken      string
	AppToken      string
	SigningSecret string
	APIURL        string
	// ClientID and ClientSecret turn on multi-workspace mode (OAuth v2,
	// "Add to Slack"): no SLACK_BOT_TOKEN, a token per installed team.
	ClientID, ClientSecret string
	// UninstallRetention is how long an uninstalled team's data is kept
	// before it is purged.
	UninstallRetention time.Duration

	RedisURL    string
	RedisAddrs  []string
	RedisMaster string
	// Credentials and TLS for REDIS_ADDRS (a REDIS_URL carries its own).
	RedisUsername, RedisPassword, RedisSentinelPassword string
	RedisTLS                                            bool
	// RedisWaitReplicas is how many replicas must have a reply before it is
	// acknowledged (WAIT, bounded); 0 does not wait.
	RedisWaitReplicas int
	// RedisPrefix starts every key, so several deployments (or test runs)
	// can share one Redis.
	RedisPrefix string

	Addr              string
	DefaultLang       string
	DefaultTZ         *time.Location
	LogLevel          slog.Level
	LogFormat         string
	ReviewMinInterval time.Duration
}

// Defaults.
const (
	DefaultAPIURL = "https://slack.com/api/"
	DefaultAddr   = ":3000"
)

// DefaultUninstallRetention keeps an uninstalled team's data for 30 days.
const DefaultUninstallRetention = 30 * 24 * time.Hour

// MultiWorkspace reports whether serve installs in any workspace through
// OAuth (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set).
func (c *Config) MultiWorkspace() bool { return c.ClientID != "" || c.ClientSecret != "" }

// SocketMode reports whether serve uses Socket Mode (an app token is set).
func (c *Config) SocketMode() bool { return c.AppToken != "" }

// UsesRedis reports whether a Redis store is configured.
func (c *Config) UsesRedis() bool { return c.RedisURL != "" || len(c.RedisAddrs) > 0 }

// Problems collects configuration errors so they are all reported together.
type Problems []string

func (p Problems) Error() string {
	return "configuration: " + strings.Join(p, "; ")
}

// Load reads the environment through getenv. It checks what every command
// needs; ForServe adds what the bot itself needs.
func Load(getenv func(string) string) (*Config, error) {
	var probs Problems
	c := &Config{
		BotToken:      strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		AppToken:      strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		SigningSecret: strings.TrimSpace(getenv("SLACK_SIGNING_SECRET")),
		APIURL:        or(getenv("SLACK_API_URL"), DefaultAPIURL),
		ClientID:      strings.TrimSpace(getenv("SLACK_CLIENT_ID")),
		ClientSecret:  strings.TrimSpace(getenv("SLACK_CLIENT_SECRET")),
		RedisURL:      strings.TrimSpace(getenv("REDIS_URL")),
		RedisMaster:   strings.TrimSpace(getenv("REDIS_MASTER_NAME")),
		RedisPrefix:   or(getenv("REDIS_PREFIX"), "journeybot"),
		Addr:          or(getenv("ADDR"), DefaultAddr),
		DefaultLang:   strings.ToLower(or(getenv("DEFAULT_LANG"), "en")),
		LogFormat:     strings.ToLower(or(getenv("LOG_FORMAT"), "json")),
	}
	c.RedisUsername = strings.TrimSpace(getenv("REDIS_USERNAME"))
	c.RedisPassword = getenv("REDIS_PASSWORD")
	c.RedisSentinelPassword = getenv("REDIS_SENTINEL_PASSWORD")
	for i, a := range strings.Split(getenv("REDIS_ADDRS"), ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if p := addrProblem(a); p != "" {
			probs = append(probs, fmt.Sprintf("REDIS_ADDRS: entry %d %s", i+1, p))
			continue
		}
		c.RedisAddrs = append(c.RedisAddrs, a)
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("REDIS_TLS"))); v {
	case "", "0", "false", "no", "off":
	case "1", "true", "yes", "on":
		c.RedisTLS = true
	default:
		probs = append(probs, fmt.Sprintf("REDIS_TLS: %q is not true or false", v))
	}
	if v := strings.TrimSpace(getenv("REDIS_WAIT_REPLICAS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 16 {
			probs = append(probs, fmt.Sprintf("REDIS_WAIT_REPLICAS: %q is not a number of replicas from 0 to 16", v))
		}
		c.RedisWaitReplicas = max(n, 0)
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		probs = append(probs, fmt.Sprintf("SLACK_API_URL: %q is not an http(s) URL", c.APIURL))
	} else if !strings.HasSuffix(c.APIURL, "/") {
		// slack-go appends method names directly to the base URL.
		c.APIURL += "/"
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			probs = append(probs, "REDIS_URL: want redis://host:port/db or rediss://…")
		}
		if len(c.RedisAddrs) > 0 {
			probs = append(probs, "REDIS_URL and REDIS_ADDRS: set one or the other, not both")
		}
	}
	if c.RedisMaster != "" && len(c.RedisAddrs) == 0 {
		probs = append(probs, "REDIS_MASTER_NAME: needs REDIS_ADDRS (the sentinels)")
	}
	if c.RedisSentinelPassword != "" && c.RedisMaster == "" {
		probs = append(probs, "REDIS_SENTINEL_PASSWORD: only for Sentinels; set REDIS_MASTER_NAME and REDIS_ADDRS too")
	}
	if c.RedisURL != "" && c.RedisPassword != "" {
		if u, err := url.Parse(c.RedisURL); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				probs = append(probs, "REDIS_PASSWORD and a password in REDIS_URL: set one or the other")
			}
		}
	}
	if (c.RedisUsername != "" || c.RedisPassword != "" || c.RedisTLS || c.RedisWaitReplicas > 0) && !c.UsesRedis() {
		probs = append(probs, "REDIS_USERNAME, REDIS_PASSWORD, REDIS_TLS, REDIS_WAIT_REPLICAS: set REDIS_URL or REDIS_ADDRS too")
	}
	if c.DefaultLang != "en" && c.DefaultLang != "fr" {
		probs = append(probs, fmt.Sprintf("DEFAULT_LANG: %q is not en or fr", c.DefaultLang))
	}
	tz := or(getenv("DEFAULT_TZ"), "UTC")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		probs = append(probs, fmt.Sprintf("DEFAULT_TZ: %q is not an IANA time zone (e.g. Europe/Paris)", tz))
	}
	c.DefaultTZ = loc
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("LOG_LEVEL"), "info"))); err != nil {
		probs = append(probs, fmt.Sprintf("LOG_LEVEL: %q is not debug, info, warn or error", getenv("LOG_LEVEL")))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		probs = append(probs, fmt.Sprintf("LOG_FORMAT: %q is not json or text", c.LogFormat))
	}
	c.ReviewMinInterval = 24 * time.Hour
	if v := strings.TrimSpace(getenv("REVIEW_MIN_INTERVAL")); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			probs = append(probs, fmt.Sprintf("REVIEW_MIN_INTERVAL: %q is not a duration (e.g. 24h, 90m)", v))
		case d < time.Minute:
			probs = append(probs, fmt.Sprintf("REVIEW_MIN_INTERVAL: %s is shorter than the 1m a cron schedule can express", d))
		default:
			c.ReviewMinInterval = d
		}
	}
	c.UninstallRetention = DefaultUninstallRetention
	if v := strings.TrimSpace(getenv("UNINSTALL_RETENTION")); v != "" {
		d, err := parseDays(v)
		switch {
		case err != nil:
			probs = append(probs, fmt.Sprintf("UNINSTALL_RETENTION: %q is not a duration (e.g. 30d, 72h, 0 to purge at once)", v))
		case d < 0:
			probs = append(probs, fmt.Sprintf("UNINSTALL_RETENTION: %s is negative", v))
		default:
			c.UninstallRetention = d
		}
	}
	if len(probs) > 0 {
		return c, probs
	}
	return c, nil
}

// parseDays reads a Go duration, or a whole number of days written Nd.
func parseDays(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days > 3650 {
			return 0, fmt.Errorf("bad number of days %q", n)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

// ForServe checks what `journeybot serve` needs on top of Load.
func (c *Config) ForServe() error {
	var probs Problems
	if c.MultiWorkspace() {
		return c.forMultiWorkspace()
	}
	switch {
	case c.BotToken == "":
		probs = append(probs, "SLACK_BOT_TOKEN: required (the bot token, xoxb-…)")
	case !strings.HasPrefix(c.BotToken, "xoxb-"):
		probs = append(probs, "SLACK_BOT_TOKEN: must start with xoxb-")
	}
	if c.AppToken != "" && !strings.HasPrefix(c.AppToken, "xapp-") {
		probs = append(probs, "SLACK_APP_TOKEN: must start with xapp- (or be unset for HTTP mode)")
	}
	if c.AppToken == "" && c.SigningSecret == "" {
		probs = append(probs, "SLACK_SIGNING_SECRET: required in HTTP mode (set SLACK_APP_TOKEN for Socket Mode instead)")
	}
	if len(probs) > 0 {
		return probs
	}
	return nil
}

// forMultiWorkspace checks serve's settings when it installs through OAuth.
func (c *Config) forMultiWorkspace() error {
	var probs Problems
	if c.ClientID == "" {
		probs = append(probs, "SLACK_CLIENT_ID: required with SLACK_CLIENT_SECRET (the app's client id, Basic Information)")
	}
	if c.ClientSecret == "" {
		probs = append(probs, "SLACK_CLIENT_SECRET: required with SLACK_CLIENT_ID (the app's client secret, Basic Information)")
	}
	if c.BotToken != "" {
		probs = append(probs, "SLACK_BOT_TOKEN: leave it unset with SLACK_CLIENT_ID: each installed team gets its own token")
	}
	if c.AppToken != "" {
		probs = append(probs, "SLACK_APP_TOKEN: Socket Mode serves one workspace; unset it to install in many (HTTP mode)")
	}
	if c.SigningSecret == "" {
		probs = append(probs, "SLACK_SIGNING_SECRET: required in HTTP mode")
	}
	if len(probs) > 0 {
		return probs
	}
	return nil
}

// Merge joins the problems of several checks into one error.
func Merge(errs ...error) error {
	var all Problems
	for _, err := range errs {
		var p Problems
		if errors.As(err, &p) {
			all = append(all, p...)
		} else if err != nil {
			all = append(all, err.Error())
		}
	}
	if len(all) == 0 {
		return nil
	}
	return all
}

// addrProblem says what is wrong with one REDIS_ADDRS entry, without ever
// repeating an entry that may hold a password.
func addrProblem(a string) string {
	switch {
	case strings.Contains(a, "://"):
		return "is a URL; list host:port addresses (for one server, set REDIS_URL instead)"
	case strings.Contains(a, "@"):
		return "holds credentials; list host:port only and set REDIS_USERNAME and REDIS_PASSWORD"
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil || host == "" {
		return fmt.Sprintf("%q is not host:port (e.g. redis-1:6379)", a)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Sprintf("%q: the port must be a number from 1 to 65535", a)
	}
	return ""
}

func or(v, def string) string {
	if v = strings.TrimSpace(v); v != "" {
		return v
	}
	return def
}
