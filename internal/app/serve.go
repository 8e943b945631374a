package app

import (
	"context"
	"errors"
)

func runServe(ctx context.Context, env Env, args []string) error {
	return errors.New("serve: the Slack adapter is not built yet")
}
