// Package web holds the pages Switchboard serves itself, embedded in the
// binary: the agent console (console/, served at /console by the API) and
// the supervisor page (supervisor/, at /supervisor); shared/ holds what
// both use (sse.js, the event stream), served beside each page's files.
// Plain HTML, CSS and JavaScript: there is no build step, what is here is
// what the browser gets.
package web

import (
	"embed"
	"errors"
	"io/fs"
)

//go:embed console/* supervisor/* shared/*
var files embed.FS

// Console is the agent console: index.html and its assets, at the root,
// with the shared files beside them.
var Console fs.FS = overlay{mustSub(files, "console"), mustSub(files, "shared")}

// Supervisor is the supervisor page (/supervisor), as Console.
var Supervisor fs.FS = overlay{mustSub(files, "supervisor"), mustSub(files, "shared")}

// overlay opens a name in the first of its file systems that has it.
type overlay []fs.FS

func (o overlay) Open(name string) (fs.File, error) {
	for _, f := range o {
		file, err := f.Open(name)
		if err == nil {
			return file, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a literal embedded above
	}
	return sub
}
