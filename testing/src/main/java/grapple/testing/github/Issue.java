package grapple.testing.github;

import java.time.Instant;
import java.util.List;

/**
 * An issue or pull request in a fake repository, as it stands: created by a test (seeded) or by a
 * call to the fake. {@code author} is a login ({@code <app-slug>[bot]} for an installation token);
 * {@code stateReason} and {@code closedAt} are null while it is open.
 */
public record Issue(
    String repo,
    long id,
    int number,
    String title,
    String body,
    String state,
    String stateReason,
    List<String> labels,
    List<String> assignees,
    String author,
    boolean pullRequest,
    Instant createdAt,
    Instant closedAt) {
  public Issue {
    labels = List.copyOf(labels);
    assignees = List.copyOf(assignees);
  }

  public boolean isOpen() {
    return state.equals("open");
  }

  Issue withText(String title, String body) {
    return with(title, body, labels, assignees, state, stateReason, closedAt);
  }

  Issue withState(String state, String stateReason, Instant closedAt) {
    return with(title, body, labels, assignees, state, stateReason, closedAt);
  }

  Issue withLabels(List<String> labels) {
    return with(title, body, labels, assignees, state, stateReason, closedAt);
  }

  Issue withAssignees(List<String> assignees) {
    return with(title, body, labels, assignees, state, stateReason, closedAt);
  }

  /** This issue with the fields a call may change set again; the rest stay. */
  private Issue with(
      String title,
      String body,
      List<String> labels,
      List<String> assignees,
      String state,
      String stateReason,
      Instant closedAt) {
    return new Issue(
        repo,
        id,
        number,
        title,
        body,
        state,
        stateReason,
        labels,
        assignees,
        author,
        pullRequest,
        createdAt,
        closedAt);
  }
}
