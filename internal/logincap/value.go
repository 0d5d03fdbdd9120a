package logincap

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Infinity is RLIM_INFINITY on FreeBSD (rlim_t is int64: sys/resource.h).
const Infinity = math.MaxInt64

// infinite is login_cap.c's isinfinite: these words mean no limit.
func infinite(s string) bool {
	for _, w := range []string{"infinity", "inf", "unlimited", "unlimit", "-1"} {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// number parses what strtoq(s, &ep, 0) reads as a whole: decimal, 0 octal,
// 0x hexadecimal, no sign. libutil accepts trailing junk and negative
// numbers and then uses whatever strtoq made of them; we refuse both.
func number(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil || v < 0 || strings.ContainsAny(s, "_+-") || strings.HasPrefix(s, "0b") || strings.HasPrefix(s, "0o") {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// value is a numeric capability's text: "cap=text" (BSDI style, tried
// first, as login_getcapnum does) or "cap#num".
func (r Record) value(cap string) (string, bool, error) {
	if s, ok, err := r.Str(cap); ok || err != nil {
		return s, ok, err
	}
	s, ok := r.capability(cap, '#')
	return s, ok, nil
}

func (r Record) bad(cap, text string, err error) error {
	return fmt.Errorf("%s:%d: class %s: %s=%s: %v", r.File, r.Line, r.Name, cap, text, err)
}

// Num is login_getcapnum: a number, or Infinity.
func (r Record) Num(cap string) (int64, bool, error) {
	s, ok, err := r.value(cap)
	if !ok || err != nil {
		return 0, ok, err
	}
	if infinite(s) {
		return Infinity, true, nil
	}
	v, err := number(s)
	if err != nil {
		return 0, true, r.bad(cap, s, err)
	}
	return v, true, nil
}

var sizeUnits = map[byte]int64{'b': 512, 'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30, 't': 1 << 40}
var timeUnits = map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400, 'y': 365 * 86400}

// Size is login_getcapsize: numbers with b k m g t suffixes, summed
// ("1g512m"), or Infinity.
func (r Record) Size(cap string) (int64, bool, error) { return r.scaled(cap, sizeUnits) }

// Time is login_getcaptime: numbers with s m h d w y suffixes, summed
// ("1h30m"), or Infinity.
func (r Record) Time(cap string) (int64, bool, error) { return r.scaled(cap, timeUnits) }

func (r Record) scaled(cap string, units map[byte]int64) (int64, bool, error) {
	s, ok, err := r.Str(cap)
	if !ok || err != nil {
		return 0, ok, err
	}
	if infinite(s) {
		return Infinity, true, nil
	}
	if s == "" {
		return 0, true, r.bad(cap, s, fmt.Errorf("empty"))
	}
	var total int64
	for rest := s; rest != ""; {
		// Digits only: strtoq would read "0x1b" as hexadecimal where
		// "b" is also the 512-byte unit; login.conf never needs hex here.
		i := strings.IndexFunc(rest, func(c rune) bool { return c < '0' || c > '9' })
		if i < 0 {
			i = len(rest)
		}
		v, err := number(rest[:i])
		if err != nil {
			return 0, true, r.bad(cap, s, err)
		}
		mult := int64(1)
		if i < len(rest) {
			u := rest[i] | 0x20 // lower case
			m, known := units[u]
			if !known {
				return 0, true, r.bad(cap, s, fmt.Errorf("unknown unit %q", rest[i]))
			}
			mult, i = m, i+1
		}
		if v > (math.MaxInt64-total)/mult {
			return 0, true, r.bad(cap, s, fmt.Errorf("out of range"))
		}
		total += v * mult
		rest = rest[i:]
	}
	return total, true, nil
}
