package jsonschema

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// formatCheckers check strings against the formats of JSON Schema, each
// as the RFC it names defines it, without the rarely used corners where
// validators disagree (quoted local parts of addresses, IPv6 zones, leap
// seconds, host names with "--" in the third and fourth characters, which
// IDNA reserves): those are refused.
var formatCheckers = map[string]func(string) bool{
	"date":                  isDate,
	"time":                  isTime,
	"date-time":             isDateTime,
	"duration":              isDuration,
	"email":                 isEmail,
	"idn-email":             isEmail,
	"hostname":              isHostname,
	"idn-hostname":          isHostname,
	"ipv4":                  isIPv4,
	"ipv6":                  isIPv6,
	"uri":                   func(s string) bool { return isURIRef(s, false, true) },
	"uri-reference":         func(s string) bool { return isURIRef(s, false, false) },
	"iri":                   func(s string) bool { return isURIRef(s, true, true) },
	"iri-reference":         func(s string) bool { return isURIRef(s, true, false) },
	"uri-template":          isURITemplate,
	"json-pointer":          isJSONPointer,
	"relative-json-pointer": isRelativeJSONPointer,
	"uuid":                  uuidRE.MatchString,
	"regex":                 func(s string) bool { _, err := ecmaRegexp(s); return err == nil },
}

// checkFormat checks a string against a format; unknown formats are
// annotations, and allow any string.
func checkFormat(f, v string) error {
	check, ok := formatCheckers[f]
	if !ok || check(v) {
		return nil
	}
	return invalid("not a valid %s", f)
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isDate: RFC 3339 full-date, a day that exists.
func isDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil && len(s) == 10
}

var timeRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):([0-5][0-9]))$`)

// isTime: RFC 3339 full-time, an offset required, no leap second.
func isTime(s string) bool { return timeRE.MatchString(s) }

func isDateTime(s string) bool {
	i := strings.IndexAny(s, "Tt")
	return i == 10 && isDate(s[:i]) && isTime(s[i+1:])
}

var durationRE = regexp.MustCompile(`^P(?:[0-9]+W|(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+S)?)?)$`)

// isDuration: RFC 3339 appendix A, at least one component, and one after T.
func isDuration(s string) bool {
	return durationRE.MatchString(s) && s != "P" && !strings.HasSuffix(s, "T")
}

var atomRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")

// isEmail: RFC 5321 Mailbox with a dot-atom local part and a domain name
// of at least two labels.
func isEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 {
		return false
	}
	for _, atom := range strings.Split(s[:at], ".") {
		if !atomRE.MatchString(atom) {
			return false
		}
	}
	domain := s[at+1:]
	return strings.Contains(domain, ".") && isHostname(domain)
}

var labelRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// isHostname: RFC 1123 host names, at most 253 characters, labels of
// letters, digits and inner hyphens of at most 63.
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !labelRE.MatchString(l) || len(l) >= 4 && l[2:4] == "--" {
			return false
		}
	}
	return true
}

func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 || strconv.Itoa(n) != p {
			return false
		}
	}
	return true
}

func isIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

// isURIRef: RFC 3986 URI (absolute: a scheme required) or URI-reference,
// or with iri the RFC 3987 forms, which allow non-ASCII characters.
func isURIRef(s string, iri, absolute bool) bool {
	rest := s
	if i := strings.IndexAny(s, ":/?#"); i > 0 && s[i] == ':' {
		if !isScheme(s[:i]) {
			return false
		}
		rest = s[i+1:]
	} else if absolute || i == 0 && s[0] == ':' {
		return false
	}
	if strings.Count(rest, "#") > 1 {
		return false
	}
	hier := rest
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		hier = rest[:i]
	}
	if auth, ok := strings.CutPrefix(hier, "//"); ok {
		if i := strings.IndexByte(auth, '/'); i >= 0 {
			auth = auth[:i]
		}
		host := auth[strings.LastIndexByte(auth, '@')+1:]
		if strings.HasPrefix(host, "[") {
			end := strings.IndexByte(host, ']')
			if end < 0 || !isIPv6(host[1:end]) {
				return false
			}
		} else if strings.ContainsAny(host, "[]") {
			return false
		}
	} else if strings.ContainsAny(hier, "[]") {
		return false
	}
	for i := 0; i < len(rest); {
		r, n := utf8.DecodeRuneInString(rest[i:])
		switch {
		case r == '%':
			if i+2 >= len(rest) || !isHex(rest[i+1]) || !isHex(rest[i+2]) {
				return false
			}
			n = 3
		case r < 0x80:
			if !strings.ContainsRune(uriChars, r) {
				return false
			}
		case !iri || r == utf8.RuneError || r < 0xA0:
			return false
		}
		i += n
	}
	return true
}

// uriChars are the ASCII characters a URI may hold as they are.
const uriChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?#[]"

func isScheme(s string) bool {
	for i, r := range s {
		letter := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !letter && (i == 0 || !('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return s != ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

var varspecRE = regexp.MustCompile(`^([A-Za-z0-9_]|%[0-9A-Fa-f]{2})(\.?([A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*(:[1-9][0-9]{0,3}|\*)?$`)

// isURITemplate: RFC 6570 templates, literals and expressions.
func isURITemplate(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return false
			}
			expr := s[i+1 : i+end]
			if expr != "" && strings.ContainsRune("+#./;?&", rune(expr[0])) {
				expr = expr[1:]
			}
			for _, v := range strings.Split(expr, ",") {
				if !varspecRE.MatchString(v) {
					return false
				}
			}
			i += end
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
		case c <= ' ' || c == 0x7F || strings.IndexByte(`"'<>\^`+"`"+`|}`, c) >= 0:
			return false
		}
	}
	return utf8.ValidString(s)
}

// isJSONPointer: RFC 6901.
func isJSONPointer(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && (i+1 == len(s) || s[i+1] != '0' && s[i+1] != '1') {
			return false
		}
	}
	return true
}

// isRelativeJSONPointer: a non-negative integer, then # or a JSON pointer.
func isRelativeJSONPointer(s string) bool {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 1 && s[0] == '0' {
		return false
	}
	return s[i:] == "#" || isJSONPointer(s[i:])
}
