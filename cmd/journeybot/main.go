// Command journeybot runs customer journey map workshops in Slack, or in a
// terminal. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/journeybot/journeybot/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, app.Env{Args: os.Args, Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	code := 0
	switch {
	case errors.Is(err, app.ErrUsage):
		code = 2
	case err != nil:
		fmt.Fprintln(os.Stderr, "journeybot:", err)
		code = 1
	}
	os.Exit(code)
}
