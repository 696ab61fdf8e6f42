/* ContainerPlan <-> JSON, for the container's record. */

#include <errno.h>

#include "runtime/container-plan.h"

int container_plan_to_json(const ContainerPlan *p, struct json_object **ret) {
        return -EOPNOTSUPP;
}

int container_plan_from_json(struct json_object *o, ContainerPlan **ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int container_plan_to_string(const ContainerPlan *p, char **ret) {
        return -EOPNOTSUPP;
}

int container_plan_from_string(const char *s, ContainerPlan **ret, char **ret_error) {
        return -EOPNOTSUPP;
}
