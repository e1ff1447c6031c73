package grapple.testing.github;

import static grapple.testing.github.FakeGithubTest.fieldNames;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeGithubIssuesTest {
  @AutoClose private final FakeGithub github = FakeGithub.start();
  private final Http http = new Http(github);

  @BeforeEach
  void seed() {
    github.user("alice").token("ghp_alice");
    github.user("rita").token("ghp_rita");
    github.user("walt").token("ghp_walt");
    github
        .repo("alice/hello")
        .permission("rita", "read")
        .permission("walt", "write")
        .workflow("ci.yml", "CI")
        .workflowWithoutDispatch("nightly.yml", "Nightly");
  }

  @Test
  void createAnswers201WithTheIssueAndNumbersThemInTurn() {
    Http.Reply first =
        createIssue("ghp_alice", "{\"title\":\"Found a bug\",\"body\":\"It breaks\"}");
    Http.Reply second = createIssue("ghp_alice", "{\"title\":\"Another\"}");

    assertThat(first.status()).isEqualTo(201);
    assertThat(first.json().path("number").asInt()).isEqualTo(1);
    assertThat(second.json().path("number").asInt()).isEqualTo(2);
    assertThat(first.json().path("title").asText()).isEqualTo("Found a bug");
    assertThat(first.json().path("state").asText()).isEqualTo("open");
    assertThat(first.json().path("user").path("login").asText()).isEqualTo("alice");
    assertThat(first.json().path("html_url").asText())
        .isEqualTo(github.webUrl() + "/alice/hello/issues/1");
    assertThat(first.header("Location")).isEqualTo(github.apiUrl() + "/repos/alice/hello/issues/1");
  }

  @Test
  void anIssueHasTheExamplesFieldsButNoPullRequest() {
    JsonNode json = createIssue("ghp_alice", "{\"title\":\"Bug\"}").json();

    List<String> expected = fieldNames(GithubCorpus.get().openApiExample("issues/get", 200));
    expected.remove("pull_request");
    assertThat(fieldNames(json)).isEqualTo(expected);
  }

  @Test
  void createRecordsTheIssueWithLabelsAndAssignees() {
    createIssue(
        "ghp_walt",
        "{\"title\":\"Bug\",\"body\":\"b\",\"labels\":[\"bug\",{\"name\":\"p1\"}],\"assignees\":[\"rita\"]}");

    Issue issue = github.issue("alice/hello", 1);
    assertThat(issue.title()).isEqualTo("Bug");
    assertThat(issue.body()).isEqualTo("b");
    assertThat(issue.labels()).containsExactly("bug", "p1");
    assertThat(issue.assignees()).containsExactly("rita");
    assertThat(issue.author()).isEqualTo("walt");
    assertThat(github.issues("alice/hello")).containsExactly(issue);
  }

  @Test
  void labelsAndAssigneesFromSomeoneBelowTriageAreDropped() {
    Http.Reply reply =
        createIssue(
            "ghp_rita", "{\"title\":\"Bug\",\"labels\":[\"bug\"],\"assignees\":[\"walt\"]}");

    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().path("labels").size()).isZero();
    assertThat(github.issue("alice/hello", 1).assignees()).isEmpty();
  }

  @Test
  void createWithoutATitleIsValidationFailed() {
    Http.Reply reply = createIssue("ghp_alice", "{\"body\":\"no title\"}");

    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.json().path("message").asText()).isEqualTo("Validation Failed");
    assertThat(reply.json().path("errors").get(0).path("field").asText()).isEqualTo("title");
  }

  @Test
  void createWithAnUnassignableLoginIsValidationFailed() {
    github.user("stranger");

    Http.Reply reply = createIssue("ghp_alice", "{\"title\":\"Bug\",\"assignees\":[\"stranger\"]}");

    assertThat(reply.status()).isEqualTo(422);
    assertThat(github.issues("alice/hello")).isEmpty();
  }

  @Test
  void createOnARepositoryWithIssuesOffIsGone() {
    github.repo("alice/quiet").issuesDisabled();

    assertThat(http.post("/repos/alice/quiet/issues", "ghp_alice", "{\"title\":\"Bug\"}").status())
        .isEqualTo(410);
  }

  @Test
  void aBodyThatIsNotJsonIsABadRequest() {
    Http.Reply reply = createIssue("ghp_alice", "title=Bug");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().path("message").asText()).isEqualTo("Problems parsing JSON");
  }

  @Test
  void getAnswersPullRequestsWithAPullRequestKey() {
    int pr = github.repo("alice/hello").pullRequest("Add feature", "walt");
    int issue = github.repo("alice/hello").issue("Bug", "rita");

    JsonNode pull = http.get("/repos/alice/hello/issues/" + pr, "ghp_alice").json();
    JsonNode plain = http.get("/repos/alice/hello/issues/" + issue, "ghp_alice").json();

    assertThat(pull.path("pull_request").path("html_url").asText())
        .isEqualTo(github.webUrl() + "/alice/hello/pull/" + pr);
    assertThat(pull.path("html_url").asText())
        .isEqualTo(github.webUrl() + "/alice/hello/pull/" + pr);
    assertThat(plain.has("pull_request")).isFalse();
    assertThat(plain.path("user").path("login").asText()).isEqualTo("rita");
  }

  @Test
  void getAnUnknownNumberIsNotFound() {
    assertThat(http.get("/repos/alice/hello/issues/99", "ghp_alice").status()).isEqualTo(404);
  }

  @Test
  void patchClosesAndReopens() {
    int number = github.repo("alice/hello").issue("Bug", "rita");

    Http.Reply closed =
        http.patch(
            "/repos/alice/hello/issues/" + number,
            "ghp_walt",
            "{\"state\":\"closed\",\"state_reason\":\"not_planned\"}");
    Issue afterClose = github.issue("alice/hello", number);
    Http.Reply reopened =
        http.patch("/repos/alice/hello/issues/" + number, "ghp_walt", "{\"state\":\"open\"}");

    assertThat(closed.json().path("state").asText()).isEqualTo("closed");
    assertThat(closed.json().path("state_reason").asText()).isEqualTo("not_planned");
    assertThat(closed.json().path("closed_at").isTextual()).isTrue();
    assertThat(afterClose.state()).isEqualTo("closed");
    assertThat(reopened.json().path("state_reason").asText()).isEqualTo("reopened");
    assertThat(github.issue("alice/hello", number).isOpen()).isTrue();
  }

  @Test
  void theAuthorMayCloseTheirOwnIssueButNotSomeoneElses() {
    int own = github.repo("alice/hello").issue("Mine", "rita");
    int others = github.repo("alice/hello").issue("Walt's", "walt");

    Http.Reply ownClose =
        http.patch("/repos/alice/hello/issues/" + own, "ghp_rita", "{\"state\":\"closed\"}");
    Http.Reply otherClose =
        http.patch("/repos/alice/hello/issues/" + others, "ghp_rita", "{\"state\":\"closed\"}");

    assertThat(ownClose.status()).isEqualTo(200);
    assertThat(otherClose.status()).isEqualTo(403);
    assertThat(github.issue("alice/hello", others).isOpen()).isTrue();
  }

  @Test
  void patchWithABadStateIsValidationFailed() {
    int number = github.repo("alice/hello").issue("Bug", "rita");

    assertThat(
            http.patch("/repos/alice/hello/issues/" + number, "ghp_alice", "{\"state\":\"shut\"}")
                .status())
        .isEqualTo(422);
  }

  @Test
  void addAssigneesKeepsThoseThereAndIgnoresTheUnassignable() {
    int number = github.repo("alice/hello").issue("Bug", "rita");
    github.user("stranger");
    postToIssue(number, "assignees", "ghp_alice", "{\"assignees\":[\"rita\"]}");

    Http.Reply reply =
        postToIssue(number, "assignees", "ghp_alice", "{\"assignees\":[\"walt\",\"stranger\"]}");

    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().path("assignees").findValuesAsText("login"))
        .containsExactly("rita", "walt");
    assertThat(reply.json().path("assignee").path("login").asText()).isEqualTo("rita");
    assertThat(github.issue("alice/hello", number).assignees()).containsExactly("rita", "walt");
  }

  @Test
  void addAssigneesNeedsTriage() {
    int number = github.repo("alice/hello").issue("Bug", "alice");

    Http.Reply reply = postToIssue(number, "assignees", "ghp_rita", "{\"assignees\":[\"rita\"]}");

    assertThat(reply.status()).isEqualTo(403);
  }

  @Test
  void commentAnswers201AndIsRecorded() {
    int number = github.repo("alice/hello").issue("Bug", "alice");

    Http.Reply reply = postToIssue(number, "comments", "ghp_rita", "{\"body\":\"Me too\"}");

    IssueComment comment = github.comments("alice/hello").get(0);
    assertThat(reply.status()).isEqualTo(201);
    assertThat(fieldNames(reply.json()))
        .isEqualTo(fieldNames(GithubCorpus.get().openApiExample("issues/create-comment", 201)));
    assertThat(reply.json().path("id").asLong()).isEqualTo(comment.id());
    assertThat(reply.json().path("html_url").asText())
        .isEqualTo(
            github.webUrl() + "/alice/hello/issues/" + number + "#issuecomment-" + comment.id());
    assertThat(comment.body()).isEqualTo("Me too");
    assertThat(comment.author()).isEqualTo("rita");
    assertThat(
            http.get("/repos/alice/hello/issues/" + number, "ghp_alice")
                .json()
                .path("comments")
                .asInt())
        .isEqualTo(1);
  }

  @Test
  void workflowsListsTheSeededWorkflows() {
    JsonNode json = http.get("/repos/alice/hello/actions/workflows", "ghp_alice").json();

    assertThat(json.path("total_count").asInt()).isEqualTo(2);
    assertThat(json.path("workflows").findValuesAsText("path"))
        .containsExactly(".github/workflows/ci.yml", ".github/workflows/nightly.yml");
    assertThat(json.path("workflows").get(0).path("id").asLong())
        .isEqualTo(github.repo("alice/hello").workflowId("ci.yml"));
  }

  @Test
  void dispatchByFileNameAnswers204AndRecordsRefAndInputs() {
    Http.Reply reply =
        http.post(
            "/repos/alice/hello/actions/workflows/ci.yml/dispatches",
            "ghp_walt",
            "{\"ref\":\"main\",\"inputs\":{\"env\":\"prod\"}}");

    WorkflowDispatch dispatch = github.dispatches("alice/hello").get(0);
    assertThat(reply.status()).isEqualTo(204);
    assertThat(reply.body()).isEmpty();
    assertThat(dispatch.workflowPath()).isEqualTo(".github/workflows/ci.yml");
    assertThat(dispatch.ref()).isEqualTo("main");
    assertThat(dispatch.inputs().path("env").asText()).isEqualTo("prod");
    assertThat(dispatch.actor()).isEqualTo("walt");
  }

  @Test
  void dispatchByIdWithRunDetailsAnswers200WithTheRun() {
    long id = github.repo("alice/hello").workflowId("ci.yml");

    Http.Reply reply =
        http.post(
            "/repos/alice/hello/actions/workflows/" + id + "/dispatches",
            "ghp_alice",
            "{\"ref\":\"main\",\"return_run_details\":true}");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().path("html_url").asText())
        .startsWith(github.webUrl() + "/alice/hello/actions/runs/");
    assertThat(github.dispatches("alice/hello").get(0).workflowId()).isEqualTo(id);
  }

  @Test
  void dispatchRefusesAWorkflowWithoutTheTriggerAMissingRefAndAReader() {
    assertThat(
            http.post(
                    "/repos/alice/hello/actions/workflows/nightly.yml/dispatches",
                    "ghp_alice",
                    "{\"ref\":\"main\"}")
                .status())
        .isEqualTo(422);
    assertThat(
            http.post("/repos/alice/hello/actions/workflows/ci.yml/dispatches", "ghp_alice", "{}")
                .status())
        .isEqualTo(422);
    assertThat(
            http.post(
                    "/repos/alice/hello/actions/workflows/ci.yml/dispatches",
                    "ghp_rita",
                    "{\"ref\":\"main\"}")
                .status())
        .isEqualTo(403);
    assertThat(
            http.post(
                    "/repos/alice/hello/actions/workflows/none.yml/dispatches",
                    "ghp_alice",
                    "{\"ref\":\"main\"}")
                .status())
        .isEqualTo(404);
    assertThat(github.dispatches("alice/hello")).isEmpty();
  }

  /** Creates an issue in alice/hello as {@code token}. */
  private Http.Reply createIssue(String token, String body) {
    return http.post("/repos/alice/hello/issues", token, body);
  }

  /** POSTs {@code body} to {@code /repos/alice/hello/issues/<number>/<what>} as {@code token}. */
  private Http.Reply postToIssue(int number, String what, String token, String body) {
    return http.post("/repos/alice/hello/issues/" + number + "/" + what, token, body);
  }
}
