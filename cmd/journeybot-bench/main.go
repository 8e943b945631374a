// Command journeybot-bench measures journeybot and runs its fault drills:
// see internal/bench and docs/performance.md. `make bench`
// runs it after the Go benchmarks.
//
//	go run ./cmd/journeybot-bench                   # everything, about 11 minutes
//	go run ./cmd/journeybot-bench -parts drills     # one part
//	go run ./cmd/journeybot-bench -parts events     # the event path against the fair and minimal baselines, round trips, test-step ack growth; about 7 minutes
//	go run ./cmd/journeybot-bench -parts failover   # Redis Cluster and Sentinel failovers, REDIS_WAIT_REPLICAS cost
//	go run ./cmd/journeybot-bench -bot bin/journeybot
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/journeybot/journeybot/internal/bench"
)

func main() {
	// The bench starts its own binary again as the baseline handlers.
	bench.MaybeRunRole()
	bot := flag.String("bot", "", "journeybot binary to measure (default: go build ./cmd/journeybot into a temporary folder; \"self\": this binary runs the bot, for -profile)")
	profile := flag.String("profile", "", "with -bot self: write a CPU profile of every bot and baseline process into this folder")
	parts := flag.String("parts", "", "comma-separated parts to run: "+strings.Join(bench.PartNames, ", ")+" (default: all)")
	small := flag.Bool("small", false, "smoke sizes: seconds, targets not judged")
	keep := flag.Bool("keep", false, "keep the temporary folder (logs of the bot, the baseline and redis-server)")
	quiet := flag.Bool("q", false, "no progress lines on stderr")
	flag.Parse()
	if err := run(*bot, *profile, *parts, *small, *keep, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "journeybot-bench:", err)
		os.Exit(1)
	}
}

func run(bot, profile, parts string, small, keep, quiet bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "journeybot-bench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(os.Stderr, "logs and data in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	opt := bench.Options{Out: os.Stdout, Log: os.Stderr, Dir: dir, BotArgv: []string{bot, "serve"}, SelfArgv: []string{self}, Small: small}
	switch bot {
	case "self":
		opt.BotArgv, opt.BotEnv = []string{self}, []string{bench.RoleEnv + "=" + bench.RoleBot}
		if profile != "" {
			opt.BotEnv = append(opt.BotEnv, bench.ProfileEnv+"="+profile)
			opt.BaselineEnv = []string{bench.ProfileEnv + "=" + profile}
		}
	case "":
		// Built as `make build` builds it, so the bench measures what ships.
		bot = filepath.Join(dir, "journeybot")
		opt.BotArgv[0] = bot
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bot, "./cmd/journeybot")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build the bot (run from the repository root, or pass -bot): %w", err)
		}
	}
	if quiet {
		opt.Log = nil
	}
	if parts != "" {
		opt.Parts = strings.Split(parts, ",")
	}
	_, err = bench.Run(ctx, opt)
	return err
}
