package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// intFromEnv sets *dst from the whole number in key, if set; one below
// least is a problem the process refuses to start with, said with why
// (what needs that many), as is anything that is not a whole number.
func (c *Config) intFromEnv(key string, dst *int, least int, why string) {
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil && why == "":
		c.envProblems = append(c.envProblems, fmt.Errorf("%s=%q is not a whole number", key, v))
	case err != nil || n < least:
		c.envProblems = append(c.envProblems, fmt.Errorf("%s=%q must be a whole number, at least %d (%s)", key, v, least, why))
	default:
		*dst = n
	}
}
