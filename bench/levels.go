package main

import (
	"context"
	"errors"
	"io"
)

func levelsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("levels: not yet")
}
