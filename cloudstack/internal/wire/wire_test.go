package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListEncodesAsApiResponseSerializer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		list List[Zone]
		want string
	}{
		{"empty", List[Zone]{}, `{}`},
		{"items", List[Zone]{Count: 1, Items: []Zone{{ID: "z1", Name: "one"}}}, `{"count":1,"zone":[{"id":"z1","name":"one"}]}`},
		{"page past the end", List[Zone]{Count: 3}, `{"count":3}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.list)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))
			var back List[Zone]
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, tc.list.Count, back.Count)
			assert.Equal(t, len(tc.list.Items), len(back.Items))
		})
	}
}

func TestListDecodesOnlyItsKey(t *testing.T) {
	t.Parallel()
	var l List[Volume]
	require.NoError(t, json.Unmarshal([]byte(`{"count":2,"snapshot":[{"id":"s"}],"volume":[{"id":"a"},{"id":"b"}]}`), &l))
	require.Len(t, l.Items, 2)
	assert.Equal(t, "b", l.Items[1].ID)
	require.Error(t, json.Unmarshal([]byte(`{"count":"two"}`), &l))
	require.Error(t, json.Unmarshal([]byte(`[]`), &l))
}

func TestBoolAcceptsStrings(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{`true`: true, `false`: false, `"true"`: true, `"TRUE"`: true, `"false"`: false, `null`: false}
	for in, want := range cases {
		var b Bool
		require.NoError(t, json.Unmarshal([]byte(in), &b), in)
		assert.Equal(t, want, bool(b), in)
	}
	var b Bool
	require.Error(t, json.Unmarshal([]byte(`1`), &b))
}
