// Package web holds the pages Switchboard serves itself, embedded in the
// binary: the agent console (console/, served at /console by the API) and
// the supervisor page (supervisor/, at /supervisor).
// Plain HTML, CSS and JavaScript: there is no build step, what is here is
// what the browser gets.
package web

import (
	"embed"
	"io/fs"
)

//go:embed console/* supervisor/*
var files embed.FS

// Console is the agent console: index.html and its assets, at the root.
var Console fs.FS = mustSub(files, "console")

// Supervisor is the supervisor page (/supervisor), as Console.
var Supervisor fs.FS = mustSub(files, "supervisor")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a literal embedded above
	}
	return sub
}
