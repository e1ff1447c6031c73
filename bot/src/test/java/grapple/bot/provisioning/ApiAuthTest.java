package grapple.bot.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.config.Config;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which tokens the API takes: the plain secret and each key exactly, none of another length. */
class ApiAuthTest {
  private static final String SECRET = "provisioning-secret-0123456789";
  private static final String KEY = "reader-key-abcdefghij";

  private final ApiAuth auth =
      new ApiAuth(
          new Config.Provisioning(
              SECRET, List.of(new Config.ApiKey("reader", KEY, Set.of(Caller.READ), List.of()))));

  @Test
  void theSecretAndEachKeyAreTakenAndTokensOfOtherLengthsAreNot() {
    assertThat(auth.check(SECRET).scopes()).containsExactly(Caller.ADMIN);
    assertThat(auth.check(" " + KEY + "\n").keyName()).isEqualTo("reader");

    for (String wrong :
        List.of(
            SECRET.substring(0, SECRET.length() - 1),
            SECRET + "0",
            SECRET + SECRET,
            KEY.substring(0, 1),
            KEY + KEY,
            "x".repeat(10_000)))
      assertThatThrownBy(() -> auth.check(wrong))
          .isInstanceOf(ApiException.class)
          .hasMessage("The token is not valid for this bot.");
  }
}
