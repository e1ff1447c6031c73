@NullMarked
package grapple.testing.github;

import org.jspecify.annotations.NullMarked;
