package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.TokenAccounts;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import grapple.state.PeopleLinks;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Gitea accounts Matrix users linked, one per instance, by personal access token: each token is
 * checked with the instance's {@code GET /api/v1/user} before it is stored (sealed, in the shared
 * linked accounts). Also who on Matrix a Gitea login is, for mentions: who linked it, else whom an
 * administrator linked it to on that instance (CONTRACT §14).
 */
final class GiteaAccounts {
  private static final Logger log = LoggerFactory.getLogger(GiteaAccounts.class);
  static final String SERVICE = "gitea";

  private final LinkedAccounts store;
  private final PeopleLinks people;
  private final GiteaClient client;
  private final GiteaSettings settings;

  GiteaAccounts(
      LinkedAccounts store, PeopleLinks people, GiteaClient client, GiteaSettings settings) {
    this.store = store;
    this.people = people;
    this.client = client;
    this.settings = settings;
  }

  /** Checks a token with the instance and links it; returns the account. */
  Account linkToken(String instance, String matrixUser, String token) throws ForgeException {
    JsonNode user = client.user(settings.instance(instance, "instance"), token);
    String login = user.path("login").asText(user.path("username").asText(""));
    if (login.isEmpty()) throw new ForgeException(502, "Gitea's /api/v1/user named no login");
    Account account = TokenAccounts.link(store, SERVICE, instance, matrixUser, login, user, token);
    log.info("gitea: {} linked the {} account {}", matrixUser, instance, login);
    return account;
  }

  Optional<Account> account(String instance, String matrixUser) {
    return store.get(SERVICE, instance, matrixUser);
  }

  Optional<String> token(String instance, String matrixUser) {
    return account(instance, matrixUser).map(Account::token);
  }

  boolean logout(String instance, String matrixUser) {
    return store.unlink(SERVICE, instance, matrixUser);
  }

  /** Mentions of the people of one instance. */
  Mentions on(String instance) {
    return TokenAccounts.mentions(store, people, SERVICE, instance);
  }
}
