package simulator

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// request is an authenticated call's parameters, with names lower-cased because CloudStack
// matches parameter names case-insensitively.
type request struct {
	command string
	params  map[string]string
	// raw keeps the names as sent, for the fields of map parameters, which CloudStack reads
	// case-sensitively.
	raw     url.Values
	account *account
}

func newRequest(command string, v url.Values, a *account) *request {
	r := &request{command: command, params: make(map[string]string, len(v)), raw: v, account: a}
	for k, x := range v {
		if len(x) == 0 {
			continue
		}
		lk := lower(k)
		if _, dup := r.params[lk]; !dup {
			r.params[lk] = x[0]
		}
	}
	return r
}

func (r *request) get(name string) string { return r.params[name] }

func (r *request) require(name string) (string, *apiError) {
	v := r.params[name]
	if v == "" {
		return "", missingParam(r.command, name)
	}
	return v, nil
}

// boolean reads a flag as ParamProcessWorker does, with Boolean.valueOf: "true" in any
// case is true, any other value false; def when absent.
func (r *request) boolean(name string, def bool) bool {
	v, ok := r.params[name]
	if !ok || v == "" {
		return def
	}
	return strings.EqualFold(v, "true")
}

// integer returns the parameter's value and whether it was present.
func (r *request) integer(name string) (int64, bool, *apiError) {
	v, ok := r.params[name]
	if !ok || v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, invalidValue(r.command, name, v)
	}
	return n, true, nil
}

var detailsKey = regexp.MustCompile(`^details\[\d+\]\.(.+)$`)

// details collects map parameters sent as details[i].key=value (cloudstack-go sends one
// index per key), keyed by the lower-cased key.
func (r *request) details() map[string]string {
	out := map[string]string{}
	for k, v := range r.params {
		if m := detailsKey.FindStringSubmatch(k); m != nil {
			out[m[1]] = v
		}
	}
	return out
}

// list returns a comma-separated parameter's items.
func (r *request) list(name string) []string {
	v := r.params[name]
	if v == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ids reads a list command's ids parameter as CloudStack does: each item is a UUID that
// ParamProcessWorker translates (an unknown one is invalidID's 431), and id and ids together
// are QueryManagerImpl.getIdsListFromCmd's 431. It returns nil when ids is not given.
func (r *request) ids(exists func(string) bool) (map[string]bool, *apiError) {
	items := r.list("ids")
	if len(items) == 0 {
		return nil, nil
	}
	ids := make(map[string]bool, len(items))
	for _, id := range items {
		if !exists(id) {
			return nil, invalidID(r.command, "ids", id)
		}
		ids[id] = true
	}
	if r.get("id") != "" {
		return nil, paramErr("Specify either id or ids but not both parameters")
	}
	return ids, nil
}

// mapParam collects a map parameter sent as name[index].field=value, as BaseCmd.unpackParams
// reads it: the name matched case-insensitively, each field as sent (CloudStack's commands
// look fields up case-sensitively), entries keyed by index. A key it cannot decode is
// unpackParams' 430.
func (r *request) mapParam(name string) (map[int]map[string]string, *apiError) {
	out := map[int]map[string]string{}
	for k, vs := range r.raw {
		open := strings.IndexByte(k, '[')
		if open <= 0 || lower(k[:open]) != name || len(vs) == 0 {
			continue
		}
		closing := strings.IndexByte(k, ']')
		dot := strings.IndexByte(k, '.')
		if closing < open || strings.Count(k, "[") != 1 || strings.Count(k, "]") != 1 || dot < closing {
			return nil, malformedMap(k)
		}
		i, err := strconv.Atoi(k[open+1 : closing])
		if err != nil {
			return nil, malformedMap(k)
		}
		if out[i] == nil {
			out[i] = map[string]string{}
		}
		out[i][k[dot+1:]] = vs[0]
	}
	return out, nil
}

func malformedMap(key string) *apiError {
	return &apiError{code: CodeMalformedParameter, csCode: csServerAPIException,
		text: "Unable to decode parameter " + key + "; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup"}
}
