// Package migrations embeds the SQL migrations applied by goose at start-up
// and by `switchboard migrate`.
package migrations

import "embed"

// FS holds every migration, in goose's file-name order.
//
//go:embed *.sql
var FS embed.FS
