package quant

import (
	"encoding/json"
	"fmt"
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
	if err := json.Unmarshal(b, &o.m); err != nil || o.m == nil {
		if err == nil {
			err = fmt.Errorf("null")
		}
		return nil, &ConfigError{File: path, Reason: "not a JSON object", Err: err}
	}
	return o, nil
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
		return 0, false, o.errorf(key, nil, "%s is not an integer", raw)
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
		return 0, false, o.errorf(key, nil, "%s is not a number", raw)
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
		return "", false, o.errorf(key, nil, "%s is not a string", raw)
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
		return false, false, o.errorf(key, nil, "%s is not a boolean", raw)
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
		return nil, false, o.errorf(key, nil, "%s is not an array of strings", raw)
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
	if err := json.Unmarshal(raw, &v.m); err != nil || raw[0] != '{' {
		return nil, false, o.errorf(key, nil, "%s is not an object", raw)
	}
	return v, true, nil
}
