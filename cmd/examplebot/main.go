// Command examplebot runs Switchboard's demo bot on its own, speaking the
// Rasa REST channel protocol: point a workstream's bot.url at
// http://<addr>/webhooks/rest/webhook (with allow-private bots in dev, since
// it listens on loopback).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/switchboard/switchboard/internal/bot/examplebot"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5005", "listen address (5005 is Rasa's default port)")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "examplebot:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: examplebot.Handler(), ReadHeaderTimeout: 10 * time.Second}
	// Message bodies are never logged, only where to reach the bot.
	fmt.Printf("example bot on http://%s%s (health: /health)\n", ln.Addr(), examplebot.WebhookPath)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
