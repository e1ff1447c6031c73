package grapple.bot.jira;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.room.Messages;
import grapple.state.BadInput;
import grapple.state.Json;
import org.junit.jupiter.api.Test;

/** Project URLs in every form JIRA shows them, normalised as CONTRACT §12; state content rules. */
class JiraProjectConfigTest {
  @Test
  void everyUrlFormNormalisesToTheProjectsUrl() {
    for (String url :
        new String[] {
          "https://jira.acme.org/projects/KEY",
          "https://JIRA.acme.org/projects/key/summary",
          "https://jira.acme.org/browse/KEY-1",
          "https://jira.acme.org/jira/browse/key-123?focusedCommentId=1",
          "https://jira.acme.org/secure/RapidBoard.jspa?rapidView=3&projectKey=KEY",
          "https://acme.atlassian.net/jira/software/c/projects/KEY/boards/1",
        }) {
      JiraProjectConfig.Project project = JiraProjectConfig.normalise(url);
      assertThat(project.key()).as(url).isEqualTo("KEY");
    }
    assertThat(JiraProjectConfig.normalise("https://jira.acme.org/browse/KEY-1").url())
        .isEqualTo("https://jira.acme.org/projects/KEY");
    assertThat(JiraProjectConfig.normalise("http://127.0.0.1:8080/projects/K2").url())
        .isEqualTo("http://127.0.0.1:8080/projects/K2");
  }

  @Test
  void aUrlWithoutAProjectIsRefusedNamingTheForms() {
    assertThatThrownBy(() -> JiraProjectConfig.normalise("https://jira.acme.org/dashboard"))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("…/projects/KEY, …/browse/KEY-1 or …?projectKey=KEY");
    assertThatThrownBy(() -> JiraProjectConfig.normalise("not a url")).isInstanceOf(BadInput.class);
  }

  @Test
  void aRefusedUrlIsEchoedAsCodeNeverAsALink() {
    for (String url :
        new String[] {
          "[x](https://evil.example/)", "https://jira.example/*a*_[x](https://e.example/)"
        }) {
      assertThatThrownBy(() -> JiraProjectConfig.normalise(url))
          .satisfies(
              e ->
                  assertThat(Messages.notice(e.getMessage()).path("formatted_body").asText())
                      .contains("<code>" + url + "</code>")
                      .doesNotContain("<a ", "<em>"));
    }
  }

  @Test
  void anEmptyCommandPrefixIsTheDefaultAsInHookshot() {
    // Hookshot checks the prefix only when it is truthy and then uses `commandPrefix || "!jira"`:
    // state with "commandPrefix": "" works there, on !jira.
    var content =
        Json.object().put("url", "https://jira.acme.org/projects/KEY").put("commandPrefix", "");

    assertThat(JiraProjectConfig.parse(content, true).commandPrefix()).isEqualTo("!jira");
    assertThat(JiraProjectConfig.parse(content, false).commandPrefix()).isEqualTo("!jira");
    content.put("commandPrefix", "x");
    assertThatThrownBy(() -> JiraProjectConfig.parse(content, false))
        .hasMessageContaining("commandPrefix")
        .hasMessageContaining("2-24 characters");
  }

  @Test
  void eventsDefaultToIssueCreatedAndUnknownOnesAreRefused() {
    var content = Json.object().put("url", "https://jira.acme.org/projects/KEY");
    assertThat(JiraProjectConfig.parse(content, true).events()).containsExactly("issue_created");
    content.putArray("events").add("issue.created");
    assertThat(JiraProjectConfig.parse(content, true).events()).containsExactly("issue_created");
    content.putArray("events").add("issue_updated").add("issue_deleted");
    assertThatThrownBy(() -> JiraProjectConfig.parse(content, true))
        .hasMessageStartingWith("'events' can only contain issue_created, issue_updated")
        .hasMessageEndingWith("found \"issue_deleted\"");
    assertThat(JiraProjectConfig.parse(content, false).events())
        .as("room state in effect: an unknown event is left out, as hookshot reads it")
        .containsExactly("issue_updated");
    content.remove("events");
    content.put("commandPrefix", "!");
    assertThatThrownBy(() -> JiraProjectConfig.parse(content, true))
        .hasMessageContaining("2-24 characters");
  }
}
