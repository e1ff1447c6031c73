package grapple.testing.github;

import java.time.Instant;

/** A comment on an issue or pull request of a fake repository, in the order they were made. */
public record IssueComment(
    String repo, int issueNumber, long id, String body, String author, Instant createdAt) {}
