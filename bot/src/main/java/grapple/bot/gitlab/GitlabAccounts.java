package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GitLab accounts Matrix users linked, one per instance, by personal access token: each token
 * is checked with the instance's {@code /api/v4/user} before it is stored (sealed, in the shared
 * linked accounts). Also who on Matrix a GitLab username is, for mentions.
 */
final class GitlabAccounts {
  private static final Logger log = LoggerFactory.getLogger(GitlabAccounts.class);
  static final String SERVICE = "gitlab";

  private final LinkedAccounts store;
  private final GitlabClient client;

  GitlabAccounts(LinkedAccounts store, GitlabClient client) {
    this.store = store;
    this.client = client;
  }

  /** Checks the token with GitLab and links it; returns the account. */
  Account linkToken(String instance, HttpUrl url, String matrixUser, String token)
      throws ForgeException {
    JsonNode user = client.user(url, token);
    String username = user.path("username").asText("");
    if (username.isEmpty()) throw new ForgeException(502, "GitLab's /user named nobody");
    Account account =
        new Account(
            SERVICE,
            instance,
            matrixUser,
            username,
            user.path("id").asText(),
            token,
            null,
            null,
            null);
    store.link(account, new LinkedAccounts.Profile(avatar(user), null));
    log.info("gitlab: {} linked the {} account {}", matrixUser, instance, username);
    return account;
  }

  /** The avatar {@code /user} gives (groups are not asked: a list call per page, for little). */
  private static @Nullable String avatar(JsonNode user) {
    JsonNode url = user.path("avatar_url");
    return url.isTextual() && !url.asText().isEmpty() ? url.asText() : null;
  }

  Optional<Account> account(String instance, String matrixUser) {
    return store.get(SERVICE, instance, matrixUser);
  }

  boolean logout(String instance, String matrixUser) {
    return store.unlink(SERVICE, instance, matrixUser);
  }

  /** Who linked GitLab user {@code username} on {@code instance}, for mentions. */
  Optional<String> matrixUserFor(String instance, String username) {
    if (username.isEmpty()) return Optional.empty();
    return store.matrixUserFor(SERVICE, instance, username);
  }
}
