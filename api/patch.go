package api

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// PATCH semantics, the same for every resource: each top-level field present
// in the body replaces the current value (null included, where null means
// "none"); absent fields keep theirs; nested objects (survey, bot,
// operating_hours, automated_messages, …) are replaced whole, never merged
// key by key, so a PATCH says exactly what the field becomes.

// patchBody reads a PATCH body: a JSON object, field by field.
func patchBody(c *fiber.Ctx) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := decodeJSON(c, &fields); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, invalid("the body must be a JSON object")
	}
	return fields, nil
}

// mergePatch lays the fields of a PATCH over the current resource's JSON and
// returns the result, to be decoded strictly (unknown fields are refused
// there). readOnly fields are dropped from both: clients may send back what
// they read, and the caller checks the ones that matter (id, version).
func mergePatch(current any, patch map[string]json.RawMessage, readOnly ...string) ([]byte, error) {
	raw, err := json.Marshal(current)
	if err != nil {
		return nil, err
	}
	merged := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &merged); err != nil {
		return nil, err
	}
	for k, v := range patch {
		merged[k] = v
	}
	for _, k := range readOnly {
		delete(merged, k)
	}
	return json.Marshal(merged)
}

// checkSameID refuses a body whose "id" names another resource than the path.
func checkSameID(fields map[string]json.RawMessage, id string) error {
	raw, ok := fields["id"]
	if !ok {
		return nil
	}
	var got string
	if json.Unmarshal(raw, &got) != nil || got != id {
		return invalid("id in the body (%s) is not the id in the path (%s); id cannot change", strings.TrimSpace(string(raw)), id)
	}
	return nil
}

// nullable is a JSON field where absent, null and a value mean three things
// (PATCH {"workstream_id": null} detaches, absent leaves it).
type nullable[T any] struct {
	Set   bool
	Value *T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// optionalID validates an optional id field of a body: nil or a UUID.
func optionalID(field string, id *string) (*string, error) {
	if id == nil {
		return nil, nil
	}
	v := strings.TrimSpace(*id)
	if _, err := uuid.Parse(v); err != nil {
		return nil, invalid("%s: %q is not an id (a UUID)", field, *id)
	}
	return &v, nil
}

func requiredID(field, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", invalid("%s is required", field)
	}
	v, err := optionalID(field, &id)
	if err != nil {
		return "", err
	}
	return *v, nil
}

func has(fields map[string]json.RawMessage, keys ...string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { _, ok := fields[k]; return ok })
}
