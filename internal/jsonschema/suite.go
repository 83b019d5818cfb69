package jsonschema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// A SuiteGroup is a group of the JSON Schema Test Suite: a schema, and
// instances labelled valid or not.
type SuiteGroup struct {
	File        string          // the file it comes from, without directory
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []SuiteTest     `json:"tests"`
}

// A SuiteTest is an instance of a SuiteGroup and its label.
type SuiteTest struct {
	Description string          `json:"description"`
	Data        json.RawMessage `json:"data"`
	Valid       bool            `json:"valid"`
}

// ReadSuite reads the groups of every file of a directory of the JSON
// Schema Test Suite (json-schema-org/JSON-Schema-Test-Suite, such as
// tests/draft2020-12), in the order of the file names.
func ReadSuite(dir string) ([]SuiteGroup, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("jsonschema: no suite files in %s", dir)
	}
	var all []SuiteGroup
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var gs []SuiteGroup
		if err := json.Unmarshal(data, &gs); err != nil {
			return nil, fmt.Errorf("jsonschema: %s: %w", f, err)
		}
		for i := range gs {
			gs[i].File = filepath.Base(f)
		}
		all = append(all, gs...)
	}
	return all, nil
}
