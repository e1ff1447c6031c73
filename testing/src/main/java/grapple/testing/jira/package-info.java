@NullMarked
package grapple.testing.jira;

import org.jspecify.annotations.NullMarked;
