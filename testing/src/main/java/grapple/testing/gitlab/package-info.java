/** A local GitLab for tests, speaking GitLab's REST v4 wire format. */
@NullMarked
package grapple.testing.gitlab;

import org.jspecify.annotations.NullMarked;
