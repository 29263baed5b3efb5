package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

func routingCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "routing",
		Short: "Routing rules tools that talk to a running API",
	}
	cmd.AddCommand(routingSimulateCmd())
	return cmd
}

// simulateFlags are `routing simulate`'s options.
type simulateFlags struct {
	api, workstream, from, to, rules string
	movedLimit                       int
	json                             bool
}

func routingSimulateCmd() *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate --workstream ID --from TIME --to TIME --rules FILE",
		Short: "What-if: where a draft rule list would have routed a period's conversations",
		Long: "Calls POST /api/v1/workstreams/{id}/routing-rules/simulate with the admin key in " +
			"SWITCHBOARD_ADMIN_KEY (its first key) and prints, per queue, how many conversations of " +
			"[from, to) the draft would have sent there against what happened, then the conversations " +
			"that would move. Nothing changes. FILE (- for stdin) holds the draft: a JSON list of rules " +
			"as POST .../routing-rules takes them, or the answer of GET .../routing-rules ({\"data\": [...]}) " +
			"edited. --from and --to are RFC 3339 times or dates (midnight UTC).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRoutingSimulate(cmd.Context(), f, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.api, "api", "http://127.0.0.1:8080", "the API's base URL")
	fl.StringVar(&f.workstream, "workstream", "", "the workstream's id (required)")
	fl.StringVar(&f.from, "from", "", "start of the period, inclusive (required)")
	fl.StringVar(&f.to, "to", "", "end of the period, exclusive (required)")
	fl.StringVar(&f.rules, "rules", "", "the draft rules' JSON file, - for stdin (required)")
	fl.IntVar(&f.movedLimit, "moved-limit", 1000, "list at most this many moved conversations")
	fl.BoolVar(&f.json, "json", false, "print the API's JSON answer instead of tables")
	for _, name := range []string{"workstream", "from", "to", "rules"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func runRoutingSimulate(ctx context.Context, f simulateFlags, stdin io.Reader, out io.Writer) error {
	key := cliAdminKey()
	if key == "" {
		return errors.New("SWITCHBOARD_ADMIN_KEY is not set")
	}
	rules, err := readDraftRules(f.rules, stdin)
	if err != nil {
		return err
	}
	from, err := cliTime("--from", f.from)
	if err != nil {
		return err
	}
	to, err := cliTime("--to", f.to)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"from": from, "to": to, "rules": rules, "moved_limit": f.movedLimit})
	endpoint := strings.TrimRight(f.api, "/") + "/api/v1/workstreams/" + url.PathEscape(f.workstream) + "/routing-rules/simulate"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 5 * time.Minute} // a long period takes a while
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return apiError(resp.StatusCode, raw)
	}
	if f.json {
		_, err := out.Write(append(raw, '\n'))
		return err
	}
	var res struct {
		WorkstreamID string    `json:"workstream_id"`
		From         time.Time `json:"from"`
		To           time.Time `json:"to"`
		domain.RoutingSimulationResult
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("the API answered something else than a simulation: %w", err)
	}
	printSimulation(out, res.WorkstreamID, res.From, res.To, res.RoutingSimulationResult)
	return nil
}

// cliAdminKey is the first key of SWITCHBOARD_ADMIN_KEY, without its label.
func cliAdminKey() string {
	for _, e := range strings.Split(os.Getenv("SWITCHBOARD_ADMIN_KEY"), ",") {
		if e = strings.TrimSpace(e); e != "" {
			return config.ParseAdminKey(e).Key
		}
	}
	return ""
}

// readDraftRules reads the draft: a JSON list, or an object whose "data"
// (a GET's answer) or "rules" holds the list.
func readDraftRules(path string, stdin io.Reader) ([]json.RawMessage, error) {
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(stdin)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var wrapped struct {
		Data  []json.RawMessage `json:"data"`
		Rules []json.RawMessage `json:"rules"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", path, err)
	}
	switch {
	case wrapped.Data != nil:
		return wrapped.Data, nil
	case wrapped.Rules != nil:
		return wrapped.Rules, nil
	}
	return nil, fmt.Errorf("%s: want a list of rules, or an object with \"data\" or \"rules\"", path)
}

func cliTime(flag, v string) (string, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.Format(time.RFC3339Nano), nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d.Format(time.RFC3339), nil
	}
	return "", fmt.Errorf("%s %q: want an RFC 3339 time (2026-12-01T09:00:00Z) or a date (2026-12-01)", flag, v)
}

// apiError turns the API's error answer into one readable error, each
// invalid draft rule on its own line.
func apiError(status int, raw []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details struct {
				Rules []struct {
					Index   int    `json:"index"`
					Message string `json:"message"`
				} `json:"rules"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" {
		return fmt.Errorf("the API answered %d: %s", status, bytes.TrimSpace(raw))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d): %s", e.Error.Code, status, e.Error.Message)
	for _, r := range e.Error.Details.Rules {
		fmt.Fprintf(&b, "\n  rule #%d: %s", r.Index, r.Message)
	}
	return errors.New(b.String())
}

func printSimulation(out io.Writer, wsID string, from, to time.Time, res domain.RoutingSimulationResult) {
	fmt.Fprintf(out, "Workstream %s, [%s, %s): %d conversations replayed, %d would move, %d match no draft rule.\n\n",
		wsID, from.Format(time.RFC3339), to.Format(time.RFC3339), res.Conversations, res.Moved, res.DefaultQueue)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tACTUAL\tSIMULATED\tCHANGE")
	for _, q := range res.Queues {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%+d\n", queueLabel(q.QueueID, q.QueueName), q.Actual, q.Simulated, q.Change)
	}
	_ = tw.Flush()
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DRAFT RULE\tMATCHED")
	for _, r := range res.Rules {
		fmt.Fprintf(tw, "#%d %s\t%d\n", r.Index, r.Name, r.Matched)
	}
	_ = tw.Flush()
	if len(res.MovedConversations) == 0 {
		return
	}
	fmt.Fprintln(out)
	names := map[string]string{}
	for _, q := range res.Queues {
		names[q.QueueID] = q.QueueName
	}
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MOVED CONVERSATION\tROUTED AT\tFROM\tTO\tBY DRAFT RULE")
	for _, m := range res.MovedConversations {
		rule := "(default queue)"
		if m.ToRule != nil && m.ToRule.Index != nil {
			rule = fmt.Sprintf("#%d %s", *m.ToRule.Index, m.ToRule.Name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ConversationID, m.RoutedAt.Format(time.RFC3339),
			queueLabel(m.FromQueueID, names[m.FromQueueID]), queueLabel(m.ToQueueID, names[m.ToQueueID]), rule)
	}
	_ = tw.Flush()
	if res.MovedTruncated {
		fmt.Fprintf(out, "(%d more not listed: raise --moved-limit)\n", res.Moved-len(res.MovedConversations))
	}
}

func queueLabel(id, name string) string {
	switch {
	case id == "":
		return "(unrouted)"
	case name == "":
		return id
	}
	return name
}
