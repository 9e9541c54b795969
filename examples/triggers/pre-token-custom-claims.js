// PreTokenGeneration (V1_0 event): add a `tenant` claim to the ID token and
// leave `family_name` out of it.
'use strict';

exports.handler = async (event) => {
  event.response = {
    claimsOverrideDetails: {
      claimsToAddOrOverride: { tenant: 'acme' },
      claimsToSuppress: ['family_name'],
    },
  };
  return event;
};
