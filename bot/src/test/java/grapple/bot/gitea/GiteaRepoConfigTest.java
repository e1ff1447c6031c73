package grapple.bot.gitea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.BadInput;
import org.junit.jupiter.api.Test;

/** The content of a {@code GiteaRepo} connection as the API and room state give it. */
class GiteaRepoConfigTest {

  /**
   * "." and ".." are no Gitea names; as path segments of the API calls the room's commands make
   * with the sender's token they would leave the repository's URL ({@code /repos/../x/issues}).
   */
  @Test
  void dotNamesAreRefusedNamingTheFieldTheRuleAndTheValue() {
    ObjectNode dots = GiteaRepoConfig.content("forge", "..", "admin");

    assertThatThrownBy(() -> GiteaRepoConfig.parse(dots))
        .isInstanceOfSatisfying(BadInput.class, e -> assertThat(e.field()).isEqualTo("owner"))
        .hasMessage(
            "'owner' must be a Gitea user or organisation name (1-100 letters, digits, '-', '_'"
                + " or '.', not . or ..), was `\"..\"`");
    assertThatThrownBy(() -> GiteaRepoConfig.parse(GiteaRepoConfig.content("forge", "o", ".")))
        .hasMessageStartingWith("'repo' must be a Gitea repository name (1-100 letters");
  }

  @Test
  void aNameWithOtherCharactersIsRefusedWithTheRule() {
    assertThatThrownBy(() -> GiteaRepoConfig.parse(GiteaRepoConfig.content("forge", "o", "a b")))
        .hasMessage(
            "'repo' must be a Gitea repository name (1-100 letters, digits, '-', '_' or '.', not"
                + " . or ..), was `\"a b\"`");
    assertThat(
            GiteaRepoConfig.parse(GiteaRepoConfig.content("forge", "my.org", "a_b-c.d")).stateKey())
        .isEqualTo("forge/my.org/a_b-c.d");
  }
}
