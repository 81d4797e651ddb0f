/* test_topology.c - the topology parser: good files and every kind of error. */
#include <string.h>

#include "harness.h"
#include "topology.h"

static int parse(const char *text, struct ss_topology **t, struct ss_error *err)
{
    *t = NULL;
    memset(err, 0, sizeof(*err));
    return ss_topology_parse(text, "topo", t, err);
}

static void good_file(void)
{
    struct ss_topology *t;
    struct ss_error err;
    int rc = parse("# a comment\nreplicas 2   # three slots\nstores 4\nstore-prefix box\n"
                   "slot-address 10.1.{m}.{s}\nports imap=1143 lmtp=2024 sync=3005\n"
                   "param sync_repeat_interval=0\n"
                   "machine a slots=4 zone=x\nmachine b slots=6 zone=y\nmachine c slots=4 zone=z\n"
                   "fixed legacy a:2 b c\nmove-budget 1.5\n",
                   &t, &err);
    CHECK(rc == 0, "a complete topology parses %s", err.msg);
    if (rc != 0)
        return;
    CHECK(t->replicas == 2 && t->stores == 4 && t->nmachines == 3 && t->nzones == 3,
          "replicas, stores, machines and zones read");
    CHECK(strcmp(t->store_prefix, "box") == 0 && t->imap_port == 1143 && t->lmtp_port == 2024 &&
              t->sync_port == 3005,
          "prefix and ports read");
    CHECK(t->nparams == 1 && strcmp(t->params[0].key, "sync_repeat_interval") == 0,
          "agent parameter read");
    CHECK(t->nfixed == 1 && t->fixed[0].machine[0] == 0 && t->fixed[0].slot[0] == 2 &&
              t->fixed[0].slot[1] == 0,
          "fixed store read");
    CHECK(t->move_budget == 150, "move budget read as a percentage: %d", t->move_budget);
    char addr[64];
    rc = ss_topology_slot_address(t, 1, 3, addr, sizeof(addr), &err);
    CHECK(rc == 0 && strcmp(addr, "10.1.2.3") == 0, "slot address template expands: %s", addr);
    ss_topology_free(t);
    rc = parse("machine a slots=2\nmachine b slots=2\n", &t, &err);
    CHECK(rc == 0 && t->move_budget == 125, "move budget 1.25x unless given (%d)",
          rc == 0 ? t->move_budget : -1);
    if (rc == 0)
        ss_topology_free(t);
}

static void bad_files(void)
{
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"replicas 3\nmachine a slots=2\n", "topo:1: bad replica count '3'"},
        {"machine a slots=2\nfrobnicate\n", "topo:2: unknown keyword 'frobnicate'"},
        {"machine a slots=x\n", "topo:1: bad slot count 'x'"},
        {"machine a\n", "topo:1: 'machine' needs a name and slots=N"},
        {"machine a slots=2 color=red\n", "topo:1: unknown machine setting 'color=red'"},
        {"machine a slots=2\nmachine a slots=2\n", "topo:2: machine 'a' is listed twice"},
        {"machine a slots=2 zone=x\nmachine b slots=2\n", "topo:2: this machine has no zone="},
        {"machine a slots=2 zone=x\nmachine b slots=2 zone=x\n", "no store can span two zones"},
        {"# nothing\n", "no machines"},
        {"machine 1a slots=2\n", "topo:1: bad machine name '1a'"},
        {"slot-address 10.{x}.1.1\nmachine a slots=2\n", "unknown placeholder"},
        {"machine a slots=2\nfixed s a zz\n", "topo:2: fixed store names unknown machine 'zz'"},
        {"machine a slots=2\nmachine b slots=2\nfixed s a b a\n", "fixed store uses machine 'a' "
                                                                 "twice"},
        {"machine a slots=2\nparam slots=x\n", "topo:2: parameter 'slots' is written by slotstore"},
        {"ports imap=0\nmachine a slots=2\n", "topo:1: bad port setting 'imap=0'"},
        {"stores -1\nmachine a slots=2\n", "topo:1: bad store count"},
        /* found by fuzzing: each of these gave a CIB Pacemaker's schema or XML rejects */
        {"machine a slots=2\nparam extra_config=a\001b\n",
         "topo:2: bad value for parameter 'extra_config'"},
        {"machine a slots=2\nparam extra_config=caf\351\n",
         "topo:2: bad value for parameter 'extra_config'"},
        {"machine a slots=2\nparam outdate_grace=5\nparam outdate_grace=7\n",
         "topo:3: parameter 'outdate_grace' is set twice"},
        {"machine a slots=2\nfence-agent fence_ipmilan ip=1 ip=2\n",
         "topo:2: fence agent option 'ip' is set twice"},
        {"machine a slots=2\nfence-agent fence_dummy pcmk_host_list=x\n",
         "topo:2: fence agent option 'pcmk_host_list' is written by slotstore"},
        {"machine a slots=2\nfence-agent fence_dummy a<b=1\n",
         "topo:2: bad fence agent option name 'a<b'"},
        /* ids slotstore writes would meet: store001-cyrus is store001's primitive,
         * slotstore-loc-a-b-c both a on b-c and a-b on c, slotstore-loc-fence-a the
         * fence device's location */
        {"machine a slots=2\nmachine b slots=2\nfixed store001-cyrus a b\n",
         "topo:3: bad store name 'store001-cyrus'"},
        {"machine a slots=2\nmachine b slots=2\nfixed fence a b\n", "topo:3: bad store name 'fence'"},
        {"store-prefix box-\nmachine a slots=2\n", "topo:1: bad store prefix 'box-'"},
        {"machine a slots=2\nmachine b slots=2\nfixed k1 a:1 b\nfixed k2 b a:1\n",
         "topo:4: fixed store 'k2' takes slot 1 of a, which fixed store 'k1' (line 3) has"},
        {"machine a slots=2 slots=3\n", "topo:1: machine 'a' has slots= twice"},
        {"machine a slots=2 zone=x zone=y\n", "topo:1: machine 'a' has zone= twice"},
        {"machine a slots=2 zone=x\nmachine b slots=2 zone=y\nmachine c slots=2 zone=x\n"
         "fixed keep a c\n",
         "topo:4: fixed store 'keep' spans 1 zone, the zone rule needs 2"},
        /* a second line silently won */
        {"replicas 1\nmachine a slots=2\nreplicas 2\n",
         "topo:3: 'replicas' is already given at line 1"},
        {"stores 2\nstores 3\nmachine a slots=2\n", "topo:2: 'stores' is already given"},
        {"slot-address {machine}\nslot-address 10.0.{m}.{s}\nmachine a slots=2\n",
         "topo:2: 'slot-address' is already given"},
        {"move-budget 0.9\nmachine a slots=2\n", "topo:1: bad move budget '0.9'"},
        {"move-budget 1.255\nmachine a slots=2\n", "topo:1: bad move budget '1.255'"},
        {"move-budget 11\nmachine a slots=2\n", "topo:1: bad move budget '11'"},
        {"move-budget 1.\nmachine a slots=2\n", "topo:1: bad move budget '1.'"},
        {"move-budget 1.5\nmove-budget 2\nmachine a slots=2\n",
         "topo:2: 'move-budget' is already given at line 1"},
        /* checked for every machine's last slot, not only the first slot of one */
        {"slot-address 10.0.{m}.{s}\nmachine a slots=2\nmachine b slots=300\n",
         "topo:1: slot-address template '10.0.{m}.{s}' gives '10.0.2.300'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ss_topology *t;
        struct ss_error err;
        int rc = parse(cases[i].text, &t, &err);
        CHECK(rc == SS_ERR_INPUT && t == NULL && strstr(err.msg, cases[i].expect) != NULL,
              "error names place and problem: %s", err.msg);
    }
}

int main(void)
{
    good_file();
    bad_files();
    struct ss_error err;
    struct ss_topology *t = NULL;
    int rc = ss_topology_load("/nonexistent/topology", &t, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.msg, "cannot open") != NULL, "missing file: %s",
          err.msg);
    DONE();
}
