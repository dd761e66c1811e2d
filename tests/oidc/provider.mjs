// A real OpenID Connect provider on loopback for the staff sign-in tests (npm oidc-provider).
// Its development login page accepts any login and password; the login is the account id,
// and the account's e-mail is the login itself. Started by tests/portal/oidc_fixtures.py:
//   PORT=… CLIENT_ID=… CLIENT_SECRET=… REDIRECT_URI=… node provider.mjs
// It prints "listening <issuer>" once it accepts connections.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const local = id.split('@')[0];
        return {
          sub: id,
          email: id,
          // A login starting with "unverified" stands for an address the provider never checked.
          email_verified: !local.startsWith('unverified'),
          given_name: local,
          family_name: 'Staff',
          name: `${local} Staff`,
        };
      },
    };
  },
  cookies: { keys: ['portal-tests-only-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => false },
});
provider.proxy = false;

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
