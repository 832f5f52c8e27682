/* Removing a test's throwaway directory under /tmp. */
#ifndef TRUNKCTL_TESTS_LIB_RM_TREE_H
#define TRUNKCTL_TESTS_LIB_RM_TREE_H

/* Removes dir and everything below it; symbolic links are removed, not followed. */
void rm_tree(const char *dir);

#endif
