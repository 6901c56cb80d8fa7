// What an empty Vendure needs before a guest can check out, done once through
// the Admin API as a merchant would: a country in a zone that is the default
// channel's tax and shipping zone, a default tax category at 0 % (so the total
// is the price, as in the reference store), one free shipping method, the dummy
// payment method settling at once, and inventory tracking on.
import { expectEntity, type VendureAdminClient } from './vendure-admin-client.ts';
import { DUMMY_PAYMENT_HANDLER } from './vendure-server-config.ts';

export interface VendureShop {
  readonly channelToken: string;
  readonly currencyCode: string;
  readonly countryCode: string;
  readonly shippingMethodId: string;
  /** The payment method's code, which addPaymentToOrder names. */
  readonly paymentMethodCode: string;
}

export const SHOP_COUNTRY = 'US';
export const PAYMENT_METHOD_CODE = 'peakdrill-test-card';
const SHIPPING_METHOD_CODE = 'peakdrill-free';
const en = (name: string) => [{ languageCode: 'en', name, description: '' }];
const args = (values: Record<string, string>) =>
  Object.entries(values).map(([name, value]) => ({ name, value }));

interface Created {
  readonly id: string;
}

export async function setUpShop(admin: VendureAdminClient): Promise<VendureShop> {
  const { activeChannel } = await admin.run<{
    activeChannel: { id: string; token: string; defaultCurrencyCode: string };
  }>('read the default channel', 'query { activeChannel { id token defaultCurrencyCode } }');
  const country = await create(admin, 'createCountry', 'CreateCountryInput', {
    code: SHOP_COUNTRY,
    enabled: true,
    translations: [{ languageCode: 'en', name: 'United States' }],
  });
  const zone = await create(admin, 'createZone', 'CreateZoneInput', {
    name: 'peakdrill',
    memberIds: [country.id],
  });
  const category = await create(admin, 'createTaxCategory', 'CreateTaxCategoryInput', {
    name: 'standard',
    isDefault: true,
  });
  await create(admin, 'createTaxRate', 'CreateTaxRateInput', {
    name: 'none',
    enabled: true,
    value: 0,
    categoryId: category.id,
    zoneId: zone.id,
  });
  await configureChannel(admin, activeChannel.id, zone.id);
  const shipping = await create(admin, 'createShippingMethod', 'CreateShippingMethodInput', {
    code: SHIPPING_METHOD_CODE,
    fulfillmentHandler: 'manual-fulfillment',
    checker: { code: 'default-shipping-eligibility-checker', arguments: args({ orderMinimum: '0' }) },
    calculator: {
      code: 'default-shipping-calculator',
      arguments: args({ rate: '0', includesTax: 'auto', taxRate: '0' }),
    },
    translations: en('Free'),
  });
  await create(admin, 'createPaymentMethod', 'CreatePaymentMethodInput', {
    code: PAYMENT_METHOD_CODE,
    enabled: true,
    handler: { code: DUMMY_PAYMENT_HANDLER, arguments: args({ automaticSettle: 'true' }) },
    translations: en('Test card'),
  });
  return {
    channelToken: activeChannel.token,
    currencyCode: activeChannel.defaultCurrencyCode,
    countryCode: SHOP_COUNTRY,
    shippingMethodId: shipping.id,
    paymentMethodCode: PAYMENT_METHOD_CODE,
  };
}

async function create(
  admin: VendureAdminClient,
  mutation: string,
  inputType: string,
  input: Record<string, unknown>,
): Promise<Created> {
  const data = await admin.run<Record<string, Created>>(
    mutation,
    `mutation ($input: ${inputType}!) { result: ${mutation}(input: $input) { id } }`,
    { input },
  );
  return data.result!;
}

/** Tax and shipping zone, prices without tax, inventory tracked, threshold 0 (channel and global). */
async function configureChannel(admin: VendureAdminClient, channelId: string, zoneId: string): Promise<void> {
  type Union = { __typename: string; errorCode?: string; message?: string };
  const data = await admin.run<{ channel: Union; settings: Union }>(
    'updateChannel and updateGlobalSettings',
    `mutation ($channel: UpdateChannelInput!, $settings: UpdateGlobalSettingsInput!) {
      channel: updateChannel(input: $channel) { __typename ... on ErrorResult { errorCode message } }
      settings: updateGlobalSettings(input: $settings) { __typename ... on ErrorResult { errorCode message } }
    }`,
    {
      channel: {
        id: channelId,
        defaultTaxZoneId: zoneId,
        defaultShippingZoneId: zoneId,
        pricesIncludeTax: false,
        trackInventory: true,
        outOfStockThreshold: 0,
      },
      settings: { trackInventory: true, outOfStockThreshold: 0 },
    },
  );
  expectEntity('updateChannel', data.channel, 'Channel');
  expectEntity('updateGlobalSettings', data.settings, 'GlobalSettings');
}
