package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/grammar"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// APIError is an error as the server sends it, in OpenAI's shape:
//
//	{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}
//
// with the HTTP status it goes with. Param and Code are null when empty.
type APIError struct {
	Status  int    // the HTTP status, such as 400
	Message string // what is wrong, for a person
	Type    string // "invalid_request_error", "server_error", ...
	Param   string // the request field at fault, such as "messages[2].content"
	Code    string // a short identifier, such as "invalid_api_key"
}

func (e *APIError) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("openai: %d %s (%s)", e.Status, e.Message, e.Param)
	}
	return fmt.Sprintf("openai: %d %s", e.Status, e.Message)
}

// The error types of OpenAI's API that this server sends.
const (
	typeInvalidRequest = "invalid_request_error"
	typeServer         = "server_error"
)

// MarshalJSON writes the error's body.
func (e *APIError) MarshalJSON() ([]byte, error) {
	type body struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	}
	b := body{Message: e.Message, Type: e.Type}
	if e.Param != "" {
		b.Param = &e.Param
	}
	if e.Code != "" {
		b.Code = &e.Code
	}
	return json.Marshal(struct {
		Error body `json:"error"`
	}{b})
}

// badRequest is a 400 about param.
func badRequest(param, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Param: param, Message: fmt.Sprintf(format, args...)}
}

// writeError sends err as an APIError: the errors of the request's
// decoding and conversion are 400s naming the field, anything else a 500.
func writeError(w http.ResponseWriter, err error) {
	e := asAPIError(err)
	writeJSON(w, e.Status, e)
}

// asAPIError classifies err.
func asAPIError(err error) *APIError {
	var (
		ae  *APIError
		re  *RequestError
		ce  *tokenizer.ChatError
		te  *tokenizer.ToolError
		tce *tokenizer.ToolChoiceError
		se  *grammar.SchemaError
		mbe *http.MaxBytesError
		jse *json.SyntaxError
		jte *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mbe):
		return &APIError{Status: http.StatusRequestEntityTooLarge, Type: typeInvalidRequest,
			Message: fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit), Code: "request_too_large"}
	case errors.As(err, &jse), errors.Is(err, errEmptyBody):
		return badRequest("", "the body is not valid JSON: %v", err)
	case errors.As(err, &jte):
		field := jsonField(jte.Field)
		return badRequest(field, "%s: want a JSON %s, not %s", field, jte.Type, jte.Value)
	case errors.As(err, &re):
		return badRequest(re.Field, "%s", re.Reason)
	case errors.As(err, &ce):
		return badRequest("messages["+strconv.Itoa(ce.Index)+"]", "%v", err)
	case errors.As(err, &te):
		return badRequest("tools["+strconv.Itoa(te.Index)+"]", "%v", err)
	case errors.As(err, &tce):
		return badRequest("tool_choice", "%v", err)
	case errors.As(err, &se):
		return badRequest("response_format.json_schema.schema", "%v", err)
	case errors.Is(err, tokenizer.ErrUnsupported):
		return badRequest("", "%v", err)
	case errors.Is(err, mistral.ErrContextFull):
		e := badRequest("messages", "the prompt does not fit in the model's context: %v", err)
		e.Code = "context_length_exceeded"
		return e
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &APIError{Status: http.StatusServiceUnavailable, Type: typeServer, Message: "the request was cancelled: " + err.Error()}
	}
	return &APIError{Status: http.StatusInternalServerError, Type: typeServer, Message: err.Error()}
}

// jsonField is the path of a field as encoding/json reports it, without
// the Go names of the embedded structs it went through
// ("ChatParams.SamplingParams.temperature" is "temperature").
func jsonField(path string) string {
	parts := strings.Split(path, ".")
	for len(parts) > 1 && parts[0] != "" && unicode.IsUpper(rune(parts[0][0])) {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}

// writeJSON sends v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error": {"message": "cannot encode the response", "type": "server_error", "param": null, "code": null}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
