// A real OpenID provider (node-oidc-provider) on loopback for the SSO browser tests.
//
// Configuration comes from the environment, because the test server's port is
// known only at runtime:
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET  the one registered client
//   OIDC_REDIRECT_URI                   its callback URL (allauth's openid_connect_callback)
//   OIDC_POST_LOGOUT_REDIRECT_URI       where RP-initiated logout may send people back
//   OIDC_ACCOUNTS                       JSON: {"login name": {"email": ..., "email_verified": ..., ...}}
// It listens on a free loopback port and prints one JSON line with its issuer
// URL, so the caller never has to guess a port.
import http from 'node:http';

import Provider from 'oidc-provider';

const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
const clientId = process.env.OIDC_CLIENT_ID;

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      post_logout_redirect_uris: [process.env.OIDC_POST_LOGOUT_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'name'],
    },
    cookies: { keys: ['test-only-cookie-key'] },
    features: {
      // The built-in login and consent pages: the login name is the account id.
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    async findAccount(ctx, id) {
      const claims = accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    // The university's own app: consent is implied, as at a real institution,
    // so the tests see the login form and nothing else.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'given_name', 'family_name', 'name']);
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
