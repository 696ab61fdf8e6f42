#include <errno.h>

#include "image/unpack.h"

int layer_unpack(int fd, int dest_fd, const char *what, UnpackFlags flags, UnpackResult *ret, char **reterr) {
        return -EOPNOTSUPP;
}
