package credentials

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// ContentVersion returns a version derived from every stored field of the set, secrets
// included: it changes whenever the stored set changes and never otherwise. Sources without
// a version of their own (environment, database rows) use it.
func (c *CloudStack) ContentVersion() string {
	return contentVersion(c.APIURL, c.APIKey.Reveal(), c.SecretKey.Reveal(), c.Domain, c.Zone,
		c.ApplianceVMID, c.TemplateID, c.NetworkID, c.ServiceOfferingID, c.DiskOfferingID,
		strconv.FormatBool(c.InsecureSkipVerify))
}

// ContentVersion is the VSphere counterpart of CloudStack.ContentVersion.
func (v *VSphere) ContentVersion() string {
	return contentVersion(v.Host, v.Username, v.Password.Reveal(), v.Datacenter,
		strconv.FormatBool(v.InsecureSkipVerify))
}

func contentVersion(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return "c" + hex.EncodeToString(h.Sum(nil)[:6])
}
