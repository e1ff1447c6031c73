/** A local Gitea (and Forgejo) for tests, and real webhook payloads of both. */
@NullMarked
package grapple.testing.gitea;

import org.jspecify.annotations.NullMarked;
