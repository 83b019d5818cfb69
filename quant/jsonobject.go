package quant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// jsonObject is a decoded JSON object whose fields are read one by one, with
// errors that name the file and the field.
type jsonObject struct {
	file   string
	prefix string // path of the object inside the file, "" at the top
	m      map[string]json.RawMessage
}

// parseJSONObject decodes b, the contents of the file at path, as an object.
func parseJSONObject(path string, b []byte) (*jsonObject, error) {
	o := &jsonObject{file: path}
	m, dup, err := members(b)
	switch {
	case err != nil:
		return nil, &ConfigError{File: path, Reason: "not a JSON object", Err: err}
	case dup != "":
		return nil, o.errorf(dup, nil, "given twice")
	}
	o.m = m
	return o, nil
}

// members decodes the JSON object b into its members. A member given twice
// is refused, and returned as dup: JSON readers disagree on which one
// counts, so the file is ambiguous.
func members(b []byte) (m map[string]json.RawMessage, dup string, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil {
		return nil, "", err
	} else if tok != json.Delim('{') {
		return nil, "", fmt.Errorf("%s", short(b))
	}
	m = make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, "", err
		}
		key, _ := tok.(string) // the decoder guarantees a string key here
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, "", err
		}
		if _, seen := m[key]; seen {
			return nil, key, nil
		}
		m[key] = value
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "", errors.New("data after the object")
	}
	return m, "", nil
}

// short returns JSON text for a message, cut when it is long.
func short(raw []byte) string {
	const most = 40
	if len(raw) > most {
		return string(raw[:most]) + "..."
	}
	return string(raw)
}

// errorf returns a *ConfigError about field key of o, wrapping err (may be nil).
func (o *jsonObject) errorf(key string, err error, format string, args ...any) *ConfigError {
	return &ConfigError{File: o.file, Field: o.prefix + key, Reason: fmt.Sprintf(format, args...), Err: err}
}

// raw returns the field's JSON text, and false when it is absent or null.
func (o *jsonObject) raw(key string) (json.RawMessage, bool) {
	v, ok := o.m[key]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

// has reports whether the field is present, null or not.
func (o *jsonObject) has(key string) bool {
	_, ok := o.m[key]
	return ok
}

// int returns an integer field; ok is false when it is absent or null.
func (o *jsonObject) int(key string) (v int, ok bool, err error) {
	raw, ok := o.raw(key)
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || int64(int(n)) != n {
		return 0, false, o.errorf(key, nil, "%s is not an integer", short(raw))
	}
	return int(n), true, nil
}

// float returns a number field; ok is false when it is absent or null.
func (o *jsonObject) float(key string) (v float64, ok bool, err error) {
	raw, ok := o.raw(key)
	if !ok {
		return 0, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil || raw[0] == '"' {
		return 0, false, o.errorf(key, nil, "%s is not a number", short(raw))
	}
	return v, true, nil
}

// str returns a string field; ok is false when it is absent or null.
func (o *jsonObject) str(key string) (v string, ok bool, err error) {
	raw, ok := o.raw(key)
	if !ok {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false, o.errorf(key, nil, "%s is not a string", short(raw))
	}
	return v, true, nil
}

// bool returns a boolean field; ok is false when it is absent or null.
func (o *jsonObject) bool(key string) (v, ok bool, err error) {
	raw, ok := o.raw(key)
	if !ok {
		return false, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, false, o.errorf(key, nil, "%s is not a boolean", short(raw))
	}
	return v, true, nil
}

// strings returns a field holding an array of strings; ok is false when it
// is absent or null.
func (o *jsonObject) strings(key string) (v []string, ok bool, err error) {
	raw, ok := o.raw(key)
	if !ok {
		return nil, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil || raw[0] != '[' {
		return nil, false, o.errorf(key, nil, "%s is not an array of strings", short(raw))
	}
	return v, true, nil
}

// object returns a field holding an object; ok is false when it is absent
// or null.
func (o *jsonObject) object(key string) (v *jsonObject, ok bool, err error) {
	raw, ok := o.raw(key)
	if !ok {
		return nil, false, nil
	}
	v = &jsonObject{file: o.file, prefix: o.prefix + key + "."}
	m, dup, err := members(raw)
	switch {
	case err != nil:
		return nil, false, o.errorf(key, nil, "%s is not an object", short(raw))
	case dup != "":
		return nil, false, v.errorf(dup, nil, "given twice")
	}
	v.m = m
	return v, true, nil
}
