#include "broker/coin_select.h"

#include <algorithm>
#include <map>

#include "broker/amount.h"

namespace redoubt::broker {
namespace {

std::string show_name(const chain::Bytes& n) {
  bool printable = std::all_of(n.begin(), n.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
  return printable ? "'" + std::string(n.begin(), n.end()) + "'" : "0x" + chain::to_hex(n);
}

std::string show_names(const std::vector<chain::Bytes>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + show_name(n);
  return s;
}

struct Bucket {
  int group = -1;
  std::vector<const Coin*> coins;
  int64_t value = 0;
  int tier = 0;        // lower is preferred
  bool named = false;  // the group is linked to some name
};

struct Totals {
  WeightCounter w;
  int64_t value = 0;
};

void add_bucket(Totals& t, const Bucket& b) {
  for (const Coin* c : b.coins) t.w.add_input(c->type);
  t.value += b.value;
}

// Fee and change for these totals, or nullopt when they do not cover amount + fee.
std::optional<std::pair<int64_t, std::optional<int64_t>>> settle(const Totals& t,
                                                                 const SelectionRequest& r) {
  WeightCounter with_change = t.w;
  with_change.add_output(r.change_script_size);
  const int64_t fee_c = fee_for_vsize(with_change.vsize(), r.fee_rate);
  const int64_t change = t.value - r.amount - fee_c;
  if (change >= r.change_dust && change > 0) return std::make_pair(fee_c, std::optional(change));
  // No change output: whatever is left above the fee (less than dust) goes
  // to the miner rather than creating an output nobody can spend at a profit.
  const int64_t fee_n = fee_for_vsize(t.w.vsize(), r.fee_rate);
  if (t.value - r.amount >= fee_n)
    return std::make_pair(t.value - r.amount, std::optional<int64_t>());
  return std::nullopt;
}

}  // namespace

Selection select_coins(const std::vector<Coin>& coins, const Groupings& groups,
                       const SelectionRequest& req) {
  std::vector<Exclusion> excluded;
  std::vector<Bucket> buckets;
  std::map<int, size_t> bucket_of_group;
  std::map<AddressId, size_t> bucket_of_loose;  // addresses unknown to the groupings
  std::set<std::pair<chain::Hash256, uint32_t>> required;
  for (const auto& c : req.required) required.insert({c.outpoint.txid, c.outpoint.index});

  for (const Coin& c : coins) {
    if (required.count({c.outpoint.txid, c.outpoint.index})) continue;
    const int gi = groups.group_of(c.address);
    const AddressGroup* grp = gi >= 0 ? &groups.groups()[static_cast<size_t>(gi)] : nullptr;
    const bool named = grp && !grp->names.empty();
    std::string why;
    if (c.is_name)
      why = "name output (name coins are never spent for payments)";
    else if (c.frozen)
      why = "frozen";
    else if (req.from_coins && !req.from_coins->count({c.outpoint.txid, c.outpoint.index}))
      why = "not among --from-coins";
    else if (req.from_addresses && !req.from_addresses->count(c.address))
      why = "not at a --from-addr address";
    else if (c.height == kUnconfirmedHeight && !c.own_unconfirmed)
      why = "unconfirmed coin from someone else";
    else if (req.name_scope && req.anonymity && named) {
      std::vector<chain::Bytes> foreign;
      for (const auto& n : grp->names)
        if (std::find(req.name_scope->begin(), req.name_scope->end(), n) == req.name_scope->end())
          foreign.push_back(n);
      if (!foreign.empty())
        why = "linked to other name(s) " + show_names(foreign) + " (anonymity mode)";
    }
    if (!why.empty()) {
      excluded.push_back({c.outpoint, c.value, why});
      continue;
    }
    size_t bi;
    if (gi >= 0) {
      auto [it, fresh] = bucket_of_group.emplace(gi, buckets.size());
      if (fresh) buckets.emplace_back();
      bi = it->second;
    } else {
      auto [it, fresh] = bucket_of_loose.emplace(c.address, buckets.size());
      if (fresh) buckets.emplace_back();
      bi = it->second;
    }
    Bucket& b = buckets[bi];
    b.group = gi;
    b.coins.push_back(&c);
    b.value += c.value;
    b.named = named;
    // Name operations prefer coins already linked to their name; payments
    // prefer coins linked to no name at all.
    b.tier = req.name_scope ? (named ? 0 : 1) : (named ? 1 : 0);
  }

  Totals base;
  for (size_t s : req.output_script_sizes) base.w.add_output(s);
  for (const Coin& c : req.required) {
    base.w.add_input(c.type);
    base.value += c.value;
  }

  auto finish = [&](const Totals& t, const std::vector<const Bucket*>& chosen,
                    std::pair<int64_t, std::optional<int64_t>> fc) {
    if (fc.first > req.max_fee)
      throw SelectionError(SelectionError::Kind::kFeeTooHigh, 0, excluded,
                           "fee " + format_nmc_short(fc.first) + " NMC exceeds the cap of " +
                               format_nmc_short(req.max_fee) + " NMC");
    Selection s;
    s.inputs = req.required;
    for (const Bucket* b : chosen) {
      for (const Coin* c : b->coins) s.inputs.push_back(*c);
      s.groups.push_back(b->group);
    }
    s.fee = fc.first;
    s.change = fc.second;
    WeightCounter w = t.w;
    if (s.change) w.add_output(req.change_script_size);
    s.vsize = w.vsize();
    return s;
  };

  if (!req.required.empty())
    if (auto fc = settle(base, req)) return finish(base, {}, *fc);

  // One whole group if any suffices: the smallest sufficient one of the most
  // preferred tier (spending a single group creates no new link).
  std::vector<const Bucket*> order;
  order.reserve(buckets.size());
  for (const auto& b : buckets) order.push_back(&b);
  std::sort(order.begin(), order.end(), [](const Bucket* a, const Bucket* b) {
    return a->tier != b->tier ? a->tier < b->tier : a->value < b->value;
  });
  for (const Bucket* b : order) {
    Totals t = base;
    add_bucket(t, *b);
    if (auto fc = settle(t, req)) return finish(t, {b}, *fc);
  }

  // Several groups: largest first within each tier, so as few groups as
  // possible get linked. A payment merges at most one named group (never
  // two different names).
  std::stable_sort(order.begin(), order.end(), [](const Bucket* a, const Bucket* b) {
    return a->tier != b->tier ? a->tier < b->tier : a->value > b->value;
  });
  Totals t = base;
  std::vector<const Bucket*> chosen;
  bool have_named = false;
  for (const Bucket* b : order) {
    if (!req.name_scope && b->named && have_named) {
      for (const Coin* c : b->coins)
        excluded.push_back({c->outpoint, c->value,
                            "its group is linked to a different name than coins already chosen "
                            "(a payment never merges two names' groups)"});
      continue;
    }
    have_named = have_named || b->named;
    add_bucket(t, *b);
    chosen.push_back(b);
    if (auto fc = settle(t, req)) return finish(t, chosen, *fc);
  }

  const int64_t need = req.amount + fee_for_vsize(t.w.vsize(), req.fee_rate);
  const int64_t missing = need - t.value;
  std::map<std::string, std::pair<size_t, int64_t>> by_reason;
  for (const auto& e : excluded) {
    auto& agg = by_reason[e.reason];
    agg.first++;
    agg.second += e.value;
  }
  std::string msg = "insufficient funds";
  if (req.name_scope) msg += " for the name operation on " + show_names(*req.name_scope);
  msg += ": " + format_nmc_short(missing) + " NMC missing (have " + format_nmc_short(t.value) +
         " NMC usable, need " + format_nmc_short(need) + " NMC including the fee)";
  for (const auto& [reason, agg] : by_reason)
    msg += "; excluded " + std::to_string(agg.first) + " coin(s) worth " +
           format_nmc_short(agg.second) + " NMC: " + reason;
  throw SelectionError(SelectionError::Kind::kInsufficientFunds, missing, std::move(excluded), msg);
}

}  // namespace redoubt::broker
