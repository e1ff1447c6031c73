package grapple.bot.github;

import grapple.bot.forge.ForgeException;
import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.ErrorCode;
import grapple.bot.provisioning.LoginLookup;
import grapple.state.BadInput;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A GitHub login by the account's numeric id ({@code GET /user/{account_id}}, public, asked without
 * a token on {@code github.apiUrl}), for an identity link given only {@code github.id} as the
 * corporate portal's API makes them.
 */
final class GithubLogins implements LoginLookup {
  private static final Pattern ACCOUNT_ID = Pattern.compile("^[0-9]{1,18}$");

  private final GithubClient client;

  GithubLogins(GithubClient client) {
    this.client = client;
  }

  @Override
  public Optional<String> login(String id) {
    BadInput.check(
        ACCOUNT_ID.matcher(id).matches(),
        "github.id",
        "must be the GitHub account's numeric id to find its login (or give github.login), was"
            + " '%s'",
        id);
    try {
      String login = client.userById(Long.parseLong(id)).path("login").asText("");
      return login.isEmpty() ? Optional.empty() : Optional.of(login);
    } catch (ForgeException e) {
      if (e.notFound()) return Optional.empty();
      throw new ApiException(
          ErrorCode.FORGE_UNREACHABLE,
          "GitHub could not be asked for the login of github.id "
              + id
              + " ("
              + e.getMessage()
              + "): try again later, or give github.login");
    }
  }
}
