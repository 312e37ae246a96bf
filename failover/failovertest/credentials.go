package failovertest

import (
	"context"
	"fmt"
	"net/url"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
)

// CloudStackSet returns the current credential set of a CloudStack account, with the
// account's zone, appliance VM and default template, network and offerings filled in as an
// operator stores them beside the keys.
func (l *Lab) CloudStackSet(account string) (credentials.CloudStack, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.seedLocked(account)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	return l.cloudStackSet(s), nil
}

func (l *Lab) cloudStackSet(s simulator.Seeded) credentials.CloudStack {
	return credentials.CloudStack{
		APIURL:            l.Cloud.URL(),
		APIKey:            credentials.NewSecret(s.APIKey),
		SecretKey:         credentials.NewSecret(s.SecretKey),
		Zone:              s.ZoneID,
		ApplianceVMID:     s.ApplianceVMID,
		TemplateID:        s.TemplateID,
		NetworkID:         s.NetworkID,
		ServiceOfferingID: s.ServiceOfferingID,
		DiskOfferingID:    s.DiskOfferingID,
	}
}

// seedLocked returns what seeding made for account; l.mu must be held.
func (l *Lab) seedLocked(account string) (simulator.Seeded, error) {
	s, ok := l.seeds[account]
	if !ok {
		return simulator.Seeded{}, fmt.Errorf("failovertest: no CloudStack account %q; the lab has %q", account, l.accounts)
	}
	return s, nil
}

// RotateCloudStack gives a CloudStack account new keys and returns its new set. CloudStack
// refuses the old keys from now on.
func (l *Lab) RotateCloudStack(account string) (credentials.CloudStack, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.seedLocked(account)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	key, secret, err := l.Cloud.RotateKeys(account)
	if err != nil {
		return credentials.CloudStack{}, fmt.Errorf("failovertest: rotate the keys of CloudStack account %q: %w", account, err)
	}
	s.APIKey, s.SecretKey = key, secret
	l.seeds[account] = s
	l.logger.Debug("failovertest: CloudStack keys rotated", "account", account)
	return l.cloudStackSet(s), nil
}

// VSphereSet returns the current credential set of the vCenter service account. The lab's
// vCenter speaks plain HTTP on loopback, so no certificate is involved.
func (l *Lab) VSphereSet() credentials.VSphere {
	l.mu.Lock()
	defer l.mu.Unlock()
	return credentials.VSphere{
		Host:       "http://" + l.server.URL.Host + "/sdk",
		Username:   l.user,
		Password:   credentials.NewSecret(l.password),
		Datacenter: "DC0",
	}
}

// RotateVCenterPassword gives the service account a new password and returns its new set.
// vCenter refuses the old password for new logins from now on; sessions already open stay
// open, as on a real vCenter (ExpireVCenterSessions ends them).
func (l *Lab) RotateVCenterPassword() credentials.VSphere {
	l.mu.Lock()
	l.password = fakePassword()
	l.mu.Unlock()
	l.logger.Debug("failovertest: vCenter password rotated", "user", l.user)
	return l.VSphereSet()
}

// validLogin is vCenter's password check.
func (l *Lab) validLogin(login *types.Login) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return (login.UserName == l.user && login.Password == l.password) ||
		(login.UserName == l.adminUser && login.Password == l.adminPass)
}

// admin logs in to vCenter as its administrator, whose login the lab never rotates; the
// caller logs out.
func (l *Lab) admin(ctx context.Context) (*govmomi.Client, error) {
	u := *l.server.URL
	l.mu.Lock()
	u.User = url.UserPassword(l.adminUser, l.adminPass)
	l.mu.Unlock()
	admin, err := govmomi.NewClient(ctx, &u, true)
	if err != nil {
		return nil, fmt.Errorf("failovertest: log in to vCenter as its administrator: %w", err)
	}
	return admin, nil
}

// ExpireVCenterSessions ends the service account's vCenter sessions, as vCenter does when it
// expires them: the next call on one fails with NotAuthenticated, and the client must log
// in again.
func (l *Lab) ExpireVCenterSessions(ctx context.Context) error {
	admin, err := l.admin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = admin.Logout(context.WithoutCancel(ctx)) }()
	var sm mo.SessionManager
	pc := property.DefaultCollector(admin.Client)
	if err := pc.RetrieveOne(ctx, *admin.ServiceContent.SessionManager, []string{"sessionList"}, &sm); err != nil {
		return fmt.Errorf("failovertest: list vCenter sessions: %w", err)
	}
	var keys []string
	for _, s := range sm.SessionList {
		if s.UserName == l.user {
			keys = append(keys, s.Key)
		}
	}
	l.logger.Debug("failovertest: vCenter sessions expired", "user", l.user, "sessions", len(keys))
	if len(keys) == 0 {
		return nil
	}
	if err := admin.SessionManager.TerminateSession(ctx, keys); err != nil {
		return fmt.Errorf("failovertest: end vCenter sessions: %w", err)
	}
	return nil
}
